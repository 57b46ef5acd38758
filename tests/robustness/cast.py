"""The people and referrals the robustness tests play with, created through the hub's own
administration calls before any client connects. Every contact value used is registered with the
session's log watch, so a log line carrying one fails the run."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.hub import Hub
from shared.protocol import ReferralInput
from tests.log_leaks import SESSION_WATCH

ZIP = "78701"


def client_contact(n: int) -> dict[str, str]:
    """The contact of the n-th made-up client."""
    return {"email": f"client{n}@example.org", "phone": f"512-555-{n % 10000:04d}",
            "street": f"{n} Congress Ave"}


def appointment(n: int, window: int | None = None) -> ReferralInput:
    contact = client_contact(n)
    SESSION_WATCH.add_contact(contact.values())
    return ReferralInput(kind="appointment", first_name="Carla", last_name=f"Diaz{n}", city="Austin",
                         zip=ZIP, lead_type="home valuation", claim_window_seconds=window, **contact)


def active_lead(n: int) -> ReferralInput:
    """A raw lead shared with every agent of the zip code (contact only to its sponsors)."""
    contact = client_contact(n)
    SESSION_WATCH.add_contact(contact.values())
    return ReferralInput(kind="active", first_name="Ada", last_name=f"Lead{n}", city="Austin",
                         zip=ZIP, **contact)


def agent_referral(n: int, mode: str, receivers: list[str] | None = None) -> ReferralInput:
    contact = client_contact(n)
    SESSION_WATCH.add_contact(contact.values())
    return ReferralInput(kind="agent", first_name="Zoe", last_name=f"Quinn{n}", city="Austin",
                         zip=ZIP, mode=mode, receivers=receivers or [], **contact)  # type: ignore[arg-type]


@dataclass
class Cast:
    desk: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # person id -> token
    agents: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)


async def seed(hub: Hub, agents: int, appointments: int = 0, window: int | None = None) -> Cast:
    """A desk, `agents` agents serving one zip code (ranked), and `appointments` on offer."""
    cast = Cast()
    desk, token = await hub.add_person(name="Routing Desk", roles=["concierge"])
    cast.desk, cast.tokens[desk.id] = desk.id, token
    for i in range(agents):
        person, token = await hub.add_person(name=f"Agent {i:03d}", zips=[ZIP], rank_score=100 - i / 10)
        cast.agents.append(person.id)
        cast.tokens[person.id] = token
    for n in range(appointments):
        cast.referrals.append(await hub.submit(desk.id, appointment(n, window)))
    return cast
