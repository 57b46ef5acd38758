"""The `report` op against a real hub and a known history (docs/reports.md): three appointments
claimed after 120, 600 and 300 seconds, agent referrals sent, answered, awarded and closed, a
partner referral accepted with its invoice; every figure checked by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from server.views.report_figures import OfferRow, RefRow, Rows, compute
from tests.integration.conftest import StepClock
from tests.wire import connect


class ManualClock(StepClock):
    """Time that moves only when the test advances it: exact durations."""

    def __init__(self) -> None:
        super().__init__()
        self.base = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.base + self.skew

AGENT_CLIENT = dict(kind="agent", first_name="Zoe", last_name="Quinn", email="zoe@example.com",
                    phone="303-555-0101", street="9 Elm St", city="Denver", state="CO", zip="80202",
                    intent="buy", fee_percent=25)
APPOINTMENT = dict(kind="appointment", first_name="Dana", last_name="White", email="dana@example.com",
                   phone="512-555-0142", city="Austin", state="TX", zip="78701", lead_type="home valuation")


async def build_history(make_hub: Any, wires: list) -> dict[str, Any]:
    clock = ManualClock()
    hub = await make_hub(clock=clock)
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    a, a_t = await hub.add_person(name="Ann Agent", zips=["78701"])
    b, b_t = await hub.add_person(name="Bob Agent", zips=["80202"])
    c, c_t = await hub.add_person(name="Cy Agent", zips=["80203"])
    v, v_t = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    p, p_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    await hub.add_program("PRG-R", "Roofing", v.id, fee_type="intro", fee_amount=500.0)
    wd, wa, wb, wc, wv, wp = [
        await connect(hub, t, wires, label)
        for t, label in ((desk_t, "desk"), (a_t, "a"), (b_t, "b"), (c_t, "c"), (v_t, "v"), (p_t, "p"))
    ]
    start = hub.now()

    appts = []
    for delay in (120, 600, 300):  # offered to Ann (the only agent in 78701), claimed after `delay`
        ref = (await wd.ok("submit", referral=APPOINTMENT))["referral"]
        clock.advance(delay)
        assert (await wa.ok("claim", id=ref["id"]))["referral"]["status"] == "awarded"
        appts.append(ref["id"])
        clock.advance(1)
        if delay == 120:
            after_first = hub.now()
            clock.advance(1)
    for to in ("working", "in_escrow", "fee_sent"):
        await wa.ok("move", id=appts[0], to=to)
    for to in ("fee_received", "closed"):
        await wd.ok("move", id=appts[0], to=to)

    # R1: Ann -> Bob and Cy; Bob interested, Cy declines; awarded to Bob, fee paid, closed
    r1 = (await wa.ok("submit", referral={**AGENT_CLIENT, "mode": "private", "receivers": [b.id, c.id]}))["referral"]["id"]
    await wb.ok("interest", id=r1)
    await wc.ok("decline", id=r1, reason="busy")
    await wa.ok("pick", id=r1, receiver=b.id)
    await wb.ok("sign", id=r1, fee_percent=25)
    await wa.ok("sign", id=r1, fee_percent=25)
    for to in ("working", "in_escrow", "fee_sent"):
        await wb.ok("move", id=r1, to=to)
    for to in ("fee_received", "closed"):
        await wa.ok("move", id=r1, to=to)
    # R2: Ann -> Bob, declined
    r2 = (await wa.ok("submit", referral={**AGENT_CLIENT, "mode": "private", "receivers": [b.id]}))["referral"]["id"]
    await wb.ok("decline", id=r2, reason="no")
    # R3: Bob -> Ann, interested, awarded to Ann
    r3 = (await wb.ok("submit", referral={**AGENT_CLIENT, "mode": "private", "receivers": [a.id]}))["referral"]["id"]
    await wa.ok("interest", id=r3)
    await wb.ok("pick", id=r3, receiver=a.id)
    await wa.ok("sign", id=r3, fee_percent=25)
    await wb.ok("sign", id=r3, fee_percent=25)
    # a draft is not sent
    await wa.ok("submit", referral={**AGENT_CLIENT, "send": False})
    # partner referral accepted: a 500.00 invoice, earned by Pat, owed by Vera
    pr = (await wp.ok("submit", referral={"kind": "partner", "program": "PRG-R", "company": "Acme",
                                          "contact_email": "x@acme.test"}))["referral"]["id"]
    await wv.ok("accept", id=pr)
    clock.advance(1)  # the period ends before now: everything above is in it
    return dict(hub=hub, clock=clock, start=start, after_first=after_first, desk=wd, a=wa, b=wb,
                v=wv, p=wp, ids=dict(a=a.id))


def fees(fee_sent=0, fee_received=0, mean=None, invoices=0, amount=0.0) -> dict[str, Any]:
    return dict(fee_sent=fee_sent, fee_received=fee_received, mean_fee_percent=mean,
                invoices=invoices, invoice_amount=amount)


def figures(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k not in ("weeks", "since", "until", "person", "scope")}


async def test_report_figures_by_hand(make_hub, wires):
    h = await build_history(make_hub, wires)
    ann = await h["a"].ok("report", scope="me")
    assert ann["person"]["name"] == "Ann Agent" and ann["scope"] == "me"
    assert figures(ann) == dict(
        received=4, sent=2,  # received: 3 appointments offered + R3; sent: R1, R2 (not the draft)
        asked=3, interested=1, interest_rate=1 / 3,
        sent_agent=2, accepted=1, acceptance_rate=0.5,
        awarded=4, closed=1, conversion_rate=0.25,  # 3 appointments + R3; appointment 1 closed
        claims=3, median_claim_seconds=300.0,  # median of 120, 600, 300
        earned=fees(1, 1, 25.0), owed=fees(),
    )
    assert len(ann["weeks"]) == 12
    assert [w["received"] for w in ann["weeks"]] == [0] * 11 + [4]
    assert [w["sent"] for w in ann["weeks"]] == [0] * 11 + [2]
    until = datetime.fromisoformat(ann["until"])
    assert until - datetime.fromisoformat(ann["since"]) == timedelta(weeks=12)

    bob = await h["b"].ok("report")
    assert figures(bob) == dict(
        received=2, sent=1, asked=1, interested=1, interest_rate=1.0, sent_agent=1, accepted=1,
        acceptance_rate=1.0, awarded=1, closed=1, conversion_rate=1.0, claims=0,
        median_claim_seconds=None, earned=fees(), owed=fees(1, 1, 25.0),
    )
    pat = await h["p"].ok("report")
    assert pat["sent"] == 1 and pat["earned"] == fees(invoices=1, amount=500.0) and pat["owed"] == fees()
    vera = await h["v"].ok("report")
    assert vera["received"] == 1 and vera["owed"] == fees(invoices=1, amount=500.0)
    assert vera["earned"] == fees()

    desk = await h["desk"].ok("report", scope="desk")
    assert desk["person"] is None and desk["scope"] == "desk"
    assert figures(desk) == dict(
        received=7, sent=7,  # 3 appointments, R1-R3, the partner referral
        asked=4, interested=2, interest_rate=0.5,
        sent_agent=3, accepted=2, acceptance_rate=2 / 3,
        awarded=5, closed=2, conversion_rate=0.4,
        claims=3, median_claim_seconds=300.0,
        earned=fees(1, 1, 25.0, 1, 500.0), owed=fees(1, 1, 25.0, 1, 500.0),
    )
    mine = await h["desk"].ok("report", scope="me")  # the desk's own: it sent the appointments
    assert mine["sent"] == 3 and mine["received"] == 0


async def test_report_period(make_hub, wires):
    h = await build_history(make_hub, wires)
    start, cut = h["start"], h["after_first"]
    first = await h["a"].ok("report", since=start.isoformat(), until=cut.isoformat())
    assert first["claims"] == 1 and first["median_claim_seconds"] == 120.0
    assert first["received"] == 1 and first["sent"] == 0 and first["awarded"] == 1
    assert len(first["weeks"]) == 1 and first["weeks"][0]["received"] == 1
    now = h["hub"].now()
    later = await h["a"].ok("report", since=now.isoformat(), until=(now + timedelta(days=1)).isoformat())
    assert later["received"] == later["sent"] == later["claims"] == 0
    assert later["interest_rate"] is None and later["median_claim_seconds"] is None
    bad = await h["a"].request("report", since=cut.isoformat(), until=start.isoformat())
    assert bad["type"] == "error" and bad["code"] == "bad_request"


async def test_desk_report_is_for_the_concierge(make_hub, wires):
    hub = await make_hub()
    _a, a_t = await hub.add_person(name="Ann", zips=["78701"])
    _v, v_t = await hub.add_person(name="Vera", roles=["vendor", "partner"])
    for token in (a_t, v_t):
        wire = await connect(hub, token, wires)
        frame = await wire.request("report", scope="desk")
        assert frame["type"] == "error" and frame["code"] == "forbidden", frame
        frame = await wire.request("report", scope="everyone")
        assert frame["type"] == "error" and frame["code"] == "bad_request", frame


def test_weeks_and_median_pure() -> None:
    t0 = datetime.fromisoformat("2026-01-05T00:00:00+00:00")
    rows = Rows(
        referrals=[RefRow(f"R{i}", "appointment", "awarded", "D", "A", t0 + timedelta(days=d))
                   for i, d in enumerate((0, 6, 7, 20))],
        offers=[OfferRow(f"R{i}", "A", "claimed", t0 + timedelta(days=d), t0 + timedelta(days=d, seconds=s))
                for i, (d, s) in enumerate(((0, 10), (6, 20), (7, 30), (20, 40)))],
    )
    f = compute(rows, "A", t0, t0 + timedelta(days=21))
    assert [w.start for w in f.weeks] == [t0, t0 + timedelta(days=7), t0 + timedelta(days=14)]
    assert [w.received for w in f.weeks] == [2, 1, 1]
    assert f.median_claim_seconds == 25.0 and f.claims == 4
    d = compute(rows, None, t0, t0 + timedelta(days=21), scope="desk")
    assert [w.sent for w in d.weeks] == [2, 1, 1] and d.received == 4 and d.scope == "desk"


def test_a_claim_in_the_open_phase_counts_from_the_first_offer() -> None:
    """Ranked offers to A and B ran out (30 min each), then it opened to both and B claimed 45 s
    later: time to claim is 1 h 0 m 45 s, not the 45 s since the open offer (nor 0 s)."""
    t0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
    half = timedelta(minutes=30)
    rows = Rows(
        referrals=[RefRow("R1", "appointment", "awarded", "D", "B", t0)],
        offers=[
            OfferRow("R1", "A", "expired", t0, t0 + half),
            OfferRow("R1", "B", "expired", t0 + half, t0 + 2 * half),
            OfferRow("R1", "A", "lost", t0 + 2 * half, t0 + 2 * half + timedelta(seconds=45)),
            OfferRow("R1", "B", "claimed", t0 + 2 * half, t0 + 2 * half + timedelta(seconds=45)),
        ],
    )
    mine = compute(rows, "B", t0, t0 + timedelta(days=1))
    assert mine.claims == 1 and mine.median_claim_seconds == 3645.0
    desk = compute(rows, None, t0, t0 + timedelta(days=1), scope="desk")
    assert desk.claims == 1 and desk.median_claim_seconds == 3645.0
    assert compute(rows, "A", t0, t0 + timedelta(days=1)).claims == 0


async def test_naive_times_are_utc(make_hub, wires):
    hub = await make_hub()
    _a, a_t = await hub.add_person(name="Ann", zips=["78701"])
    wire = await connect(hub, a_t, wires)
    got = await wire.ok("report", since="2026-01-01T00:00:00", until="2026-01-15T00:00:00")
    assert got["since"].startswith("2026-01-01T00:00:00") and len(got["weeks"]) == 2
    assert (await wire.ok("export", what="audit", since="2026-01-01T00:00:00"))["total"] == 0
