"""Demo data for `triage demo`: a realistic cast, referrals of every kind in a spread of statuses,
and a generator of new inbound referrals while the demo runs.

Everything goes through the hub's own paths (add_person, add_program, submit, and transactions
running the routing and action functions), so offers, events and the audit log are real.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from server.referrals import actions
from server.routing import offers
from server.storage import people
from server.storage.models import Offer, Person, Referral
from shared.domain import Kind, Mode, OfferState, Role, Status
from shared.protocol import ReferralInput

if TYPE_CHECKING:
    from server.events.transaction import Tx
    from server.hub import Hub

log = logging.getLogger("triage.demo")

DEMO_AGENT_ID = "P-demo-agent"
CONCIERGE_ID = "P-demo-desk"
PARTNER_ID = "P-demo-partner"
VENDOR_ID = "P-demo-vendor"
PROGRAM_ID = "PRG-TITLE"
DEMO_AGENT_NAME = "Maya Thompson"
DEMO_ZIPS = ("78701", "78702", "78704")

# city, state, time zone, zip codes, brokerages
CITIES: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("Austin", "TX", "America/Chicago", DEMO_ZIPS, ("Lone Star Realty Group", "Barton Creek Homes")),
    ("Denver", "CO", "America/Denver", ("80202", "80203", "80205"), ("Mile High Realty", "Front Range Properties")),
    ("Portland", "OR", "America/Los_Angeles", ("97201", "97209", "97214"), ("Rose City Realty", "Willamette Home Partners")),
    ("Miami", "FL", "America/New_York", ("33101", "33130", "33131"), ("Biscayne Bay Properties", "Coral Way Realty")),
    ("Nashville", "TN", "America/Chicago", ("37203", "37206"), ("Music Row Realty",)),
]
FIRST = ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Lucas", "Isabella",
         "Mason", "Mia", "Logan", "Amelia", "Elijah", "Harper", "Aiden", "Evelyn", "Carlos", "Lena",
         "Daniel", "Grace", "Marcus", "Chloe", "Samuel", "Nora", "Andre", "Zoe", "Owen", "Priya"]
LAST = ["Carter", "Nguyen", "Patel", "Garcia", "Kim", "Brooks", "Rivera", "Walsh", "Okafor", "Bennett",
        "Hughes", "Morales", "Lindqvist", "Chen", "Foster", "Ramirez", "Sullivan", "Haddad", "Price",
        "Delgado", "Murphy", "Tanaka", "Coleman", "Reyes", "Fischer", "Ward", "Ortiz", "Bishop"]
STREETS = ["Congress Ave", "E 6th St", "S Lamar Blvd", "Larimer St", "Colfax Ave", "NW 23rd Ave",
           "SE Division St", "Brickell Ave", "SW 8th St", "Broadway", "Elm St", "Oak Ridge Dr"]
LEAD_TYPES = ["home valuation", "cash offer", "listing consultation", "buyer consultation",
              "relocation consult", "first-time buyer"]
TIMEFRAMES = ["0-3 months", "3-6 months", "6-12 months", "ASAP"]
SPECIAL = ["luxury condos", "first-time buyers", "relocation", "investment property", "land", "downsizing"]
SPECIALTIES = ["residential", "luxury", "first-time buyers", "relocation", "investment", "land", "commercial"]
LANGUAGES = ["Spanish", "Mandarin", "Vietnamese", "Hindi", "French", "Korean", "Portuguese"]


def profile(n: int) -> dict[str, Any]:
    """Specialties, languages and years for demo agent number `n` (its own generator, so the rest
    of the demo stays the same whatever the profile draws)."""
    rng = random.Random(n)
    languages = ["English", *rng.sample(LANGUAGES, k=rng.choice([0, 0, 1, 1, 2]))]
    return {"specializations": rng.sample(SPECIALTIES, k=rng.choice([1, 2, 2, 3])),
            "languages": languages, "years_experience": rng.randint(1, 28)}


@dataclass
class Cast:
    """Who plays in the demo: the signed-in agent, the desk, and the area's other agents."""

    agent_id: str
    agent_name: str
    zips: list[str]
    concierge_id: str
    peers: list[str] = field(default_factory=list)  # other agents serving the agent's zips
    others: dict[str, list[str]] = field(default_factory=dict)  # zip -> agents elsewhere


class _Clients:
    """Made-up clients: names, streets, phones and e-mails, reproducible from a seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self, zip_code: str) -> dict[str, Any]:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = _city_of(zip_code)
        low = rng.randrange(250, 1400, 25) * 1000
        return dict(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}{rng.randrange(10, 99)}@example.com",
            phone=f"+1 512 555 {rng.randrange(1000, 9999)}",
            street=f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}",
            city=city,
            state=state,
            zip=zip_code,
            price_min=low,
            price_max=low + rng.choice([50_000, 100_000, 150_000, 250_000]),
            timeframe=rng.choice(TIMEFRAMES),
            intent=rng.choice(["buy", "sell", "buy", "sell", "buy and sell"]),
        )


def _city_of(zip_code: str) -> tuple[str, str]:
    for city, state, _tz, zips, _b in CITIES:
        if zip_code in zips:
            return city, state
    return "Phoenix", "AZ"


# ---------------------------------------------------------------------- seeding


async def is_empty(hub: Hub) -> bool:
    async with hub.db.read() as session:
        return not await session.scalar(select(func.count()).select_from(Person))


async def _in_tx(hub: Hub, change: Callable[[Tx, dict[str, Person]], Awaitable[Any]], *ids: str) -> None:
    """Run `change` in one hub transaction with the people it needs loaded in that session."""
    async with hub.transaction() as tx:
        loaded = {pid: await tx.session.get(Person, pid) for pid in ids}
        await change(tx, loaded)  # type: ignore[arg-type]


async def _claim(hub: Hub, ref_id: str, agent_id: str, *then: Status) -> None:
    async def change(tx: Tx, p: dict[str, Person]) -> None:
        await offers.claim(tx, ref_id, p[agent_id])
        # The demo's claims happen at once; a person takes minutes. Date the (closed) offer back
        # so profiles and reports show a believable time to claim.
        offer = await tx.session.scalar(select(Offer).where(
            Offer.referral_id == ref_id, Offer.agent_id == agent_id, Offer.state == OfferState.CLAIMED))
        if offer is not None:
            offer.offered_at -= timedelta(seconds=90 + sum(map(ord, ref_id)) % 1500)
        for status in then:
            await actions.move(tx, ref_id, p[agent_id], status, "")

    await _in_tx(hub, change, agent_id)


async def send_private(hub: Hub, sender: str, receiver: str, **fields: Any) -> str:
    """A private agent referral from `sender` to `receiver`."""
    return await hub.submit(
        sender, ReferralInput(kind=Kind.AGENT, mode=Mode.PRIVATE, receivers=[receiver], **fields)
    )


async def seed(hub: Hub, rng: random.Random | None = None) -> Cast:
    """Fill an empty hub with the demo cast and referrals; return the cast."""
    rng = rng or random.Random(2024)
    clients = _Clients(rng)
    await hub.add_person(
        person_id=DEMO_AGENT_ID, name=DEMO_AGENT_NAME, roles=["agent", "partner"], zips=DEMO_ZIPS[:2],
        sponsor_zips=["78704"], brokerage="Lone Star Realty Group", city="Austin", rank_score=98.0,
        timezone="America/Chicago", specializations=["residential", "first-time buyers"],
        languages=["English", "Spanish"], years_experience=9,
    )
    await hub.add_person(person_id=CONCIERGE_ID, name="Jordan Reyes",
                         roles=["concierge"], brokerage="Triage Concierge", city="Austin")
    await hub.add_person(person_id=PARTNER_ID, name="Priya Natarajan", roles=["partner"],
                         brokerage="Summit Mortgage Partners", city="Denver")
    await hub.add_person(person_id=VENDOR_ID, name="Homestead Title Co.", roles=["vendor"],
                         brokerage="Homestead Title Co.", city="Austin")
    await hub.add_program(PROGRAM_ID, "Title & escrow introductions", VENDOR_ID,
                          fee_type="intro", fee_amount=250.0)

    by_zip: dict[str, list[str]] = {}
    names = iter(rng.sample([f"{f} {l}" for f in FIRST for l in LAST], 60))
    n = 0
    for city, _state, tz, zips, brokerages in CITIES:
        count = 10 if city == "Austin" else 6 if city != "Nashville" else 4
        for i in range(count):
            n += 1
            served = rng.sample(zips, k=min(len(zips), rng.choice([1, 2, 2, 3])))
            if i < len(zips):  # every zip code has agents
                served = list(dict.fromkeys([zips[i], *served]))
            sponsor = [served[0]] if i % 4 == 1 else []
            person, _token = await hub.add_person(
                person_id=f"P-demo-{n:03d}", name=next(names), roles=["agent"], zips=served,
                sponsor_zips=sponsor, brokerage=rng.choice(brokerages), city=city,
                rank_score=round(rng.uniform(40, 95), 1), timezone=tz, **profile(n),
            )
            for z in [*served, *sponsor]:
                by_zip.setdefault(z, []).append(person.id)
    cast = await load_cast(hub, DEMO_AGENT_ID)

    async def submit(sender: str, **fields: Any) -> str:
        return await hub.submit(sender, ReferralInput(**fields))

    def appointment(zip_code: str, window: int | None = None, **extra: Any) -> dict[str, Any]:
        lead = rng.choice(LEAD_TYPES)
        when = hub.now() + timedelta(hours=rng.randrange(3, 72))
        return dict(kind=Kind.APPOINTMENT, **clients.person(zip_code), lead_type=lead,
                    appointment_at=when.replace(minute=0, second=0, microsecond=0),
                    notes=f"Booked by the desk: {lead}.", claim_window_seconds=window, **extra)

    # Appointments on offer to the demo agent: clocks under 1 min, under 5 min, ~25 and 30 min.
    await offer_batch(hub, cast, rng)
    # Appointments the demo agent claimed: awarded, working, in escrow.
    for then in ((), (Status.WORKING,), (Status.WORKING, Status.IN_ESCROW)):
        ref_id = await submit(CONCIERGE_ID, **appointment(rng.choice(DEMO_ZIPS[:2])))
        await _claim(hub, ref_id, DEMO_AGENT_ID, *then)
    # Appointments elsewhere: claimed by the local top agent, or left on offer.
    for zip_code in ("80202", "97209", "33130", "37203"):
        ref_id = await submit(CONCIERGE_ID, **appointment(zip_code))
        if zip_code != "37203":
            async with hub.db.read() as session:
                ref = await session.get(Referral, ref_id)
                rows = await session.execute(select(Offer.agent_id).where(
                    Offer.referral_id == ref_id, Offer.state == OfferState.OPEN))
                holder = rows.scalar()
            if ref is not None and holder:
                await _claim(hub, ref_id, holder, Status.WORKING)
    await submit(CONCIERGE_ID, **appointment("85004"))  # no agent serves it: unclaimed

    # Active leads: one the demo agent sponsors (full contact), one name and address only,
    # one already taken by a Denver agent.
    for zip_code in ("78704", "78702"):
        await submit(CONCIERGE_ID, kind=Kind.ACTIVE, **clients.person(zip_code),
                     notes="Web form lead; the desk is still calling.")
    denver = await submit(CONCIERGE_ID, kind=Kind.ACTIVE, **clients.person("80203"),
                          notes="Called back once; prefers texts.")
    taker = by_zip["80203"][0]
    await _in_tx(hub, lambda tx, p: actions.work(tx, denver, p[taker]), taker)

    # Agent referrals: private ones to the demo agent, open ones in its zip, its own sent ones.
    senders = [pid for z in ("80202", "97201", "33130", "37206") for pid in by_zip.get(z, [])[:1]]
    for i, sender in enumerate(senders):
        ref_id = await send_private(hub, sender, DEMO_AGENT_ID, **clients.person(rng.choice(DEMO_ZIPS)), fee_percent=rng.choice([20, 25, 30]),
                              notes=f"My client is relocating to Austin; looking for {rng.choice(SPECIAL)}.")
        if i == 0:
            await _in_tx(hub, lambda tx, p, r=ref_id: actions.interest(tx, r, p[DEMO_AGENT_ID]), DEMO_AGENT_ID)
    for sender in senders[:2]:
        await submit(sender, kind=Kind.AGENT, mode=Mode.OPEN, **clients.person("78701"),
                     notes="Open referral: first agent who can call today.")
    miami = by_zip["33130"][0]
    sent = await send_private(hub, DEMO_AGENT_ID, miami, **clients.person("33130"), notes="Past client buying a second home in Miami.")
    await _in_tx(hub, lambda tx, p: actions.interest(tx, sent, p[miami]), miami)
    await submit(DEMO_AGENT_ID, kind=Kind.AGENT, send=False, **clients.person("97209"),
                 notes="Draft: waiting for the client's go-ahead.")

    # Partner referrals to the title program: pending, accepted, rejected, and a duplicate.
    prospects = [("Hill Country Builders", "hillcountrybuilders.com"), ("Cedar Park Lending", "cedarparklending.com"),
                 ("Eastside Property Mgmt", "eastsidepm.com")]
    ids = []
    for company, domain in prospects:
        who = clients.person("78702")
        ids.append(await submit(PARTNER_ID, kind=Kind.PARTNER, program=PROGRAM_ID, company=company,
                                contact_person=f"{who['first_name']} {who['last_name']}", title="Owner",
                                contact_email=f"{who['first_name'].lower()}@{domain}", website=f"https://{domain}",
                                contact_phone=who["phone"], notes="Closes 10+ transactions a month."))
    await submit(DEMO_AGENT_ID, kind=Kind.PARTNER, program=PROGRAM_ID, company="Hill Country Builders",
                 contact_person="Front desk", website="https://www.hillcountrybuilders.com",
                 notes="Met them at an open house.")  # flagged as a duplicate of the first
    await _in_tx(hub, lambda tx, p: actions.vendor_decision(tx, ids[1], p[VENDOR_ID], "accept", ""), VENDOR_ID)
    await _in_tx(hub, lambda tx, p: actions.vendor_decision(
        tx, ids[2], p[VENDOR_ID], "reject", "Already works with our Round Rock office."), VENDOR_ID)
    log.info("seeded the demo: %d agents, %d zip codes", n + 1, len(by_zip))
    return cast


async def offer_batch(hub: Hub, cast: Cast, rng: random.Random) -> list[str]:
    """Appointments on offer to the cast's agent with clocks of ~50 s, ~4 min, ~25 and 30 min."""
    clients = _Clients(rng)
    ids = []
    for window in (50, 240, 1500, None):
        lead = rng.choice(LEAD_TYPES)
        ids.append(await hub.submit(cast.concierge_id, ReferralInput(
            kind=Kind.APPOINTMENT, **clients.person(rng.choice(cast.zips)), lead_type=lead,
            appointment_at=(hub.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0),
            notes=f"Booked by the desk: {lead}.", claim_window_seconds=window)))
    return ids


async def load_cast(hub: Hub, agent_id: str) -> Cast:
    """The cast around `agent_id`, read from the hub's database."""
    async with hub.db.read() as session:
        agent = await session.get(Person, agent_id)
        if agent is None:
            raise LookupError(f"no person {agent_id}")
        everyone = (await session.execute(select(Person))).scalars().unique().all()
        desk = next((p.id for p in everyone if Role.CONCIERGE in p.role_list), "")
        zips = [z.zip for z in agent.zips]
        peers = [p.id for p in everyone if p.id != agent_id and Role.AGENT in p.role_list
                 and any(z.zip in zips for z in p.zips)]
        others: dict[str, list[str]] = {}
        for p in everyone:
            if Role.AGENT in p.role_list and p.id != agent_id:
                for z in p.zips:
                    others.setdefault(z.zip, []).append(p.id)
    return Cast(agent_id, agent.name, zips or list(DEMO_ZIPS), desk, peers, others)


async def find_person(hub: Hub, name: str) -> str:
    """The id of the one person whose name (or id) matches `name`, case-insensitively."""
    async with hub.db.read() as session:
        everyone = (await session.execute(select(Person.id, Person.name))).all()
    wanted = name.strip().lower()
    exact = [pid for pid, pname in everyone if wanted in (pname.lower(), pid.lower())]
    found = exact or [pid for pid, pname in everyone if wanted in pname.lower()]
    if len(found) != 1:
        which = "nobody" if not found else f"{len(found)} people"
        raise LookupError(f"{which} matches {name!r}; give a full name or a person id")
    return found[0]


async def fresh_token(hub: Hub, person_id: str) -> str:
    async with hub.db.write_lock, hub.db.write_session() as session:
        return await people.issue_token(session, person_id, hub.now())


# ---------------------------------------------------------------------- arrivals


async def new_arrival(hub: Hub, cast: Cast, rng: random.Random) -> str:
    """One new inbound referral: mostly an appointment in the agent's zips."""
    clients = _Clients(rng)
    zip_code = rng.choice(cast.zips)
    roll = rng.random() if cast.concierge_id else 1.0  # without a desk: agent referrals only
    if roll < 0.7:
        lead = rng.choice(LEAD_TYPES)
        data = ReferralInput(
            kind=Kind.APPOINTMENT, **clients.person(zip_code), lead_type=lead,
            appointment_at=(hub.now() + timedelta(hours=rng.randrange(2, 48))).replace(
                minute=0, second=0, microsecond=0),
            notes=f"Booked by the desk: {lead}.", claim_window_seconds=rng.choice([90, 180, 300, 600, 1800]))
        return await hub.submit(cast.concierge_id, data)
    if roll < 0.85:
        data = ReferralInput(kind=Kind.ACTIVE, **clients.person(zip_code),
                             notes="New web lead; the desk is calling now.")
        return await hub.submit(cast.concierge_id, data)
    sender = rng.choice(cast.peers or [pid for ids in cast.others.values() for pid in ids])
    data = ReferralInput(kind=Kind.AGENT, mode=Mode.OPEN, **clients.person(zip_code),
                         notes=f"Open referral: client wants {rng.choice(SPECIAL)}.")
    return await hub.submit(sender, data)


async def arrivals(hub: Hub, cast: Cast, stop: asyncio.Event, rng: random.Random | None = None,
                   interval: tuple[float, float] = (20.0, 40.0)) -> None:
    """Create a new inbound referral every `interval` seconds until `stop` is set."""
    rng = rng or random.Random()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=rng.uniform(*interval))
            return
        except TimeoutError:
            pass
        try:
            ref_id = await new_arrival(hub, cast, rng)
            log.info("demo arrival %s", ref_id)
        except Exception:
            log.exception("demo arrival failed")
