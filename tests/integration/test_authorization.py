"""The authorisation matrix: for every operation the hub offers (and hello), every role, the
expected answer: a reply (allow) or an error whose code says no (deny).

Each row is run against a real hub with one websocket client per role, on a referral made in the
row's state; an allowed request is followed by a fresh referral, so it never spoils another cell.
A completeness test fails when an operation is added to OPERATIONS without rows here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.hub import Hub
from server.operations.context import OpContext
from server.operations.table import OPERATIONS
from shared.protocol import decode_args
from tests.integration.conftest import settings_for, snapshot
from tests.wire import connect

ROLES = ("sender", "receiver", "partner", "vendor", "concierge", "outsider")
"""sender: the agent who sent the referral (for appointment and active leads the concierge is
their sender); receiver: the agent it was sent or offered to (candidate, then receiver); partner
and vendor: of a partner referral in the vendor's program; concierge: the routing desk; outsider:
an agent who is no party to the referral."""

ALLOW = "allow"
DENY = "deny"
DENY_CODES = frozenset({"forbidden", "not_found", "not_offered"})
ZIP = "80202"  # the receiver's area, and the client's


def cells(allow: tuple[str, ...] = (), *, all_allowed: bool = False) -> dict[str, str]:
    return {role: ALLOW if all_allowed or role in allow else DENY for role in ROLES}


@dataclass(frozen=True)
class Row:
    op: str
    state: str | None  # the referral each role acts on, made fresh per role; None: no referral
    args: Callable[[dict[str, Any]], dict[str, Any]]  # from the context: ids, link, people
    expect: dict[str, str]
    variant: str = ""

    @property
    def key(self) -> str:
        return f"{self.op}[{self.variant}]" if self.variant else self.op


def ref(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"id": ctx["ref"]}


AGENT_DRAFT = dict(kind="agent", first_name="Ann", last_name="Buyer", email="ann@example.com",
                   phone="303-555-0001", street="1 Main St", city="Denver", zip=ZIP, send=False)
PARTNER = dict(kind="partner", program="PRG-1", company="Initech", contact_email="bill@initech.com")
APPOINTMENT = dict(kind="appointment", first_name="Carl", last_name="Seller", email="carl@example.com",
                   zip=ZIP, lead_type="home valuation")
ACTIVE = dict(kind="active", first_name="Dora", last_name="Lead", email="dora@example.com",
              phone="303-555-0004", street="4 Lead Ln", zip=ZIP)

MATRIX: list[Row] = [
    Row("hello", None, lambda c: {}, cells(all_allowed=True)),
    Row("inbox", None, lambda c: {}, cells(all_allowed=True)),
    Row("referral.get", "agent_new", ref, cells(("sender", "receiver")), "agent"),
    Row("referral.get", "partner", ref, cells(("partner", "vendor")), "partner"),
    Row("referral.get", "appointment", ref, cells(("receiver", "concierge")), "appointment"),
    Row("referral.get", "active", ref, cells(("receiver", "concierge")), "active"),
    Row("claim", "appointment", ref, cells(("receiver",))),
    Row("pass", "appointment", ref, cells(("receiver",))),
    Row("interest", "agent_new", ref, cells(("receiver",))),
    Row("interest", "agent_open", ref, cells(("receiver", "outsider")), "open"),
    Row("decline", "agent_new", ref, cells(("receiver",))),
    Row("accept", "partner", ref, cells(("vendor",))),
    Row("reject", "partner", lambda c: {"id": c["ref"], "reason": "not a fit"}, cells(("vendor",))),
    Row("archive", "partner", ref, cells(("vendor",))),
    Row("work", "active", ref, cells(("receiver",))),
    Row("move", "agent_awarded", lambda c: {"id": c["ref"], "to": "working"}, cells(("receiver",)),
        "agent awarded->working"),
    Row("move", "agent_awarded", lambda c: {"id": c["ref"], "to": "lost"},
        cells(("sender", "receiver")), "agent awarded->lost"),
    Row("move", "active_working", lambda c: {"id": c["ref"], "to": "closed"},
        cells(("receiver", "concierge")), "active working->closed"),
    Row("submit", None, lambda c: {"referral": AGENT_DRAFT}, cells(("sender", "receiver", "outsider")),
        "agent"),
    Row("submit", None, lambda c: {"referral": PARTNER}, cells(("partner",)), "partner"),
    Row("submit", None, lambda c: {"referral": APPOINTMENT}, cells(("concierge",)), "appointment"),
    Row("submit", None, lambda c: {"referral": ACTIVE}, cells(("concierge",)), "active"),
    Row("edit", "agent_draft", lambda c: {"id": c["ref"], "changes": {"notes": "new notes"}},
        cells(("sender",))),
    Row("send", "agent_draft",
        lambda c: {"id": c["ref"], "mode": "private", "receivers": [c["people"]["extra"]]},
        cells(("sender",))),
    Row("add_receivers", "agent_new", lambda c: {"id": c["ref"], "receivers": [c["people"]["extra"]]},
        cells(("sender",))),
    Row("pick", "agent_accepted", lambda c: {"id": c["ref"], "receiver": c["people"]["receiver"]},
        cells(("sender",))),
    Row("sign", "agent_pending", lambda c: {"id": c["ref"], "fee_percent": 25.0},
        cells(("sender", "receiver"))),
    Row("thread.get", "agent_pending", ref, cells(("sender", "receiver")), "agent pending"),
    Row("thread.get", "agent_new", ref, cells(("sender",)), "agent new"),
    Row("thread.get", "partner", ref, cells(("partner", "vendor")), "partner"),
    Row("thread.get", "appointment", ref, cells(("concierge",)), "appointment"),
    Row("thread.send", "agent_pending", lambda c: {"id": c["ref"], "body": "hello"},
        cells(("sender", "receiver")), "agent pending"),
    Row("thread.send", "partner", lambda c: {"id": c["ref"], "body": "hello"},
        cells(("partner", "vendor")), "partner"),
    Row("thread.send", "active", lambda c: {"id": c["ref"], "body": "hello"}, cells(("concierge",)),
        "active"),
    Row("open.search", "agent_open", lambda c: {"zip": ZIP, "radius_miles": 25},
        cells(("sender", "receiver", "outsider"))),
    Row("open.get", "agent_open", lambda c: {"link": c["link"]}, cells(("sender", "receiver", "outsider"))),
    Row("agents.search", None, lambda c: {"zip": ZIP, "radius_miles": 10}, cells(all_allowed=True)),
    Row("invoices", None, lambda c: {}, cells(all_allowed=True)),
    # one's own availability (paused, working hours, vacation): everyone has their own
    Row("availability.get", None, lambda c: {}, cells(all_allowed=True)),
    Row("availability.set", None, lambda c: {"paused": False}, cells(all_allowed=True)),
    Row("routing.dry_run", None, lambda c: {"zip": ZIP}, cells(("concierge",))),
    # one's own e-mail notification preferences
    Row("notifications.get", None, lambda c: {}, cells(all_allowed=True)),
    Row("notifications.set", None, lambda c: {"messages": False}, cells(all_allowed=True)),
    # reports and exports: one's own figures and rows; the desk's figures for the concierge
    Row("report", None, lambda c: {"scope": "me"}, cells(all_allowed=True), "me"),
    Row("report", None, lambda c: {"scope": "desk"}, cells(("concierge",)), "desk"),
    Row("export", "agent_awarded", lambda c: {"what": "referrals"}, cells(all_allowed=True), "referrals"),
    # the desk's team and board: the concierge only
    Row("team.people", None, lambda c: {}, cells(("concierge",))),
    Row("team.person.set", None, lambda c: {"id": c["people"]["outsider"], "changes": {"rank": 70}},
        cells(("concierge",))),
    Row("team.programs", None, lambda c: {}, cells(("concierge",))),
    Row("team.program.add", None, lambda c: {"terms": {"name": "Title", "vendor": c["people"]["vendor"],
                                                        "fee_type": "intro", "fee_amount": 250}},
        cells(("concierge",))),
    Row("team.program.set", None, lambda c: {"id": "PRG-1", "terms": {"fee_amount": 150}}, cells(("concierge",))),
    Row("team.networks", None, lambda c: {}, cells(("concierge",))),
    Row("team.network.add", None, lambda c: {"name": "Circle", "owner": c["people"]["sender"],
                                              "members": [c["people"]["receiver"]]}, cells(("concierge",))),
    Row("team.network.set", "network", lambda c: {"id": c["network"], "name": "Renamed"}, cells(("concierge",))),
    Row("team.windows", None, lambda c: {}, cells(("concierge",))),
    Row("team.window.set", None, lambda c: {"area": "802", "seconds": 600}, cells(("concierge",))),
    Row("desk.board", None, lambda c: {}, cells(("concierge",))),
    Row("desk.reopen", "appointment_unclaimed", ref, cells(("concierge",))),
    Row("desk.assign", "appointment_unclaimed", lambda c: {"id": c["ref"], "agent": c["people"]["receiver"]},
        cells(("concierge",))),
]


def test_matrix_covers_every_operation_and_role():
    covered = {row.op for row in MATRIX}
    missing = sorted({"hello", *OPERATIONS} - covered)
    assert not missing, f"operations without rows in the authorisation matrix: {missing}"
    for row in MATRIX:
        assert set(row.expect) == set(ROLES), row.key
        assert set(row.expect.values()) <= {ALLOW, DENY}, row.key
    keys = [row.key for row in MATRIX]
    assert len(keys) == len(set(keys)), "duplicate row keys"


async def act(hub, person_id: str, op: str, **args: Any) -> Any:
    """Run an operation as a person directly through its handler (setting up state)."""
    person = await hub.person(person_id)
    operation = OPERATIONS[op]
    return await operation.handler(OpContext(hub, person), decode_args(args, operation.args))


async def make_state(hub, people: dict[str, str], state: str) -> dict[str, Any]:
    sender, receiver = people["sender"], people["receiver"]

    async def submit(person: str, data: dict[str, Any]) -> Any:
        return (await act(hub, person, "submit", referral=data)).referral

    if state.startswith("agent_"):
        if state == "agent_draft":
            view = await submit(sender, AGENT_DRAFT)
        elif state == "agent_open":
            view = await submit(sender, {**AGENT_DRAFT, "send": True, "mode": "open"})
        else:
            view = await submit(sender, {**AGENT_DRAFT, "send": True, "mode": "private",
                                         "receivers": [receiver]})
        steps = ["agent_new", "agent_accepted", "agent_pending", "agent_awarded"]
        if state in steps:
            for step in steps[1 : steps.index(state) + 1]:
                if step == "agent_accepted":
                    await act(hub, receiver, "interest", id=view.id)
                elif step == "agent_pending":
                    await act(hub, sender, "pick", id=view.id, receiver=receiver)
                else:
                    await act(hub, receiver, "sign", id=view.id, fee_percent=25.0)
                    await act(hub, sender, "sign", id=view.id, fee_percent=25.0)
        return {"ref": view.id, "link": view.link}
    if state == "partner":
        return {"ref": (await submit(people["partner"], PARTNER)).id}
    if state == "appointment":
        return {"ref": (await submit(people["concierge"], APPOINTMENT)).id}
    if state == "appointment_unclaimed":  # the area's one agent passed: back with the desk
        view = await submit(people["concierge"], APPOINTMENT)
        await act(hub, receiver, "pass", id=view.id)
        return {"ref": view.id}
    if state == "network":
        made = await act(hub, people["concierge"], "team.network.add", name="Circle", owner=sender,
                         members=[receiver])
        return {"network": made.network.id}
    if state in ("active", "active_working"):
        view = await submit(people["concierge"], ACTIVE)
        if state == "active_working":
            await act(hub, receiver, "work", id=view.id)
        return {"ref": view.id}
    raise AssertionError(f"unknown state {state}")


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    """A real hub on a real SQLite file, in memory-backed /dev/shm when there is one: the matrix
    makes hundreds of small write transactions, each fsynced (synchronous=FULL)."""
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="triage-authz-", dir=shm) as tmp:
        hub = Hub(settings_for(Path(tmp)))
        await hub.start()
        try:
            yield hub
        finally:
            await hub.stop()


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.key)
async def test_authorisation(hub, wires, row: Row):
    if row.op != "hello" and row.op not in OPERATIONS:
        pytest.skip(f"this hub has no {row.op} operation")
    people: dict[str, str] = {}
    roles = {
        "sender": dict(name="Sam Sender", zips=["78701"]),
        "receiver": dict(name="Rita Receiver", zips=[ZIP]),
        "partner": dict(name="Pat Partner", roles=["partner"]),
        "vendor": dict(name="Vic Vendor", roles=["vendor"]),
        "concierge": dict(name="Dee Desk", roles=["concierge"]),
        "outsider": dict(name="Otto Outsider", zips=["10001"]),
        "extra": dict(name="Eve Extra", zips=["80203"]),
    }
    tokens = {}
    for role, fields in roles.items():
        person, tokens[role] = await hub.add_person(**fields)
        people[role] = person.id
    await hub.add_program("PRG-1", "Acme", people["vendor"], fee_type="intro", fee_amount=100.0)
    wire = {role: await connect(hub, tokens[role], wires, role) for role in ROLES}

    # sender-side referrals are sent by the concierge for appointments and active leads
    got: dict[str, str] = {}
    details: dict[str, Any] = {}
    # The roles expected to be refused go first, on one shared referral (a refusal changes
    # nothing, which is checked); after any reply the next role gets a freshly made referral.
    ctx: dict[str, Any] = {"people": people}
    fresh_needed = True
    for role in sorted(ROLES, key=lambda r: row.expect[r] == ALLOW):
        if row.state is not None and fresh_needed:
            ctx = {"people": people, **await make_state(hub, people, row.state)}
            fresh_needed = False
        before = await snapshot(hub)
        frame = await wire[role].request(row.op, **row.args(ctx))
        if frame["type"] == "reply":
            fresh_needed = True
            got[role] = ALLOW
            if row.state and row.state.startswith("agent_") and role not in ("sender", "receiver"):
                raw = json.dumps(frame)
                for value in (AGENT_DRAFT["email"], AGENT_DRAFT["phone"], AGENT_DRAFT["street"]):
                    assert value not in raw, f"{row.key}: the client's contact reached {role}: {raw}"
        else:
            got[role] = DENY if frame["code"] in DENY_CODES else f"error {frame['code']}"
            details[role] = frame
            assert await snapshot(hub) == before, f"{row.key}: refused for {role}, yet state changed"
    wrong = {
        role: f"expected {row.expect[role]}, got {got[role]} {details.get(role, {}).get('message', '')}"
        for role in ROLES
        if got[role] != row.expect[role]
    }
    assert not wrong, f"{row.key}: {wrong}"
