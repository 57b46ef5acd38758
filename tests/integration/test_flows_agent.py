"""Agent-to-agent referrals end to end, each person in their own websocket client: draft, edit,
private send, more receivers, interest and decline, pick, signatures, the contact reveal, the
status lifecycle to archived; network mode (nearest first) and open mode (area, search, link)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.storage.models import GroupMember, NetworkGroup, Recipient
from tests.integration.conftest import referral_row, snapshot
from tests.wire import connect, removed_of, upsert_of

CONTACT = ("email", "phone", "street")
CLIENT = dict(
    kind="agent", first_name="Zoe", last_name="Quinn", email="zoe.quinn@example.com",
    phone="303-555-0101", street="9 Elm St", city="Denver", state="CO", zip="80202",
    price_min=300000, price_max=450000, timeframe="3 months", intent="buy",
)


def masked(view: dict[str, Any]) -> None:
    for field in CONTACT:
        assert field not in view, (field, view)
    assert view["visibility"] == "masked"
    assert view["client_name"] == "Zoe Q."


async def refused(wire, op: str, code: str | tuple[str, ...], hub, **args: Any) -> dict[str, Any]:
    """`op` fails with `code` and changes no stored row."""
    before = await snapshot(hub)
    frame = await wire.request(op, **args)
    codes = (code,) if isinstance(code, str) else code
    assert frame["type"] == "error" and frame["code"] in codes, frame
    assert await snapshot(hub) == before, f"{op} {args} changed state while refused"
    return frame


async def test_private_referral_from_draft_to_archived(hub, wires):
    sender, sender_t = await hub.add_person(name="Sam Sender", zips=["78701"])
    r1, r1_t = await hub.add_person(name="Rita Receiver", zips=["80202"])
    r2, r2_t = await hub.add_person(name="Reed Second", zips=["80203"])
    r3, r3_t = await hub.add_person(name="Remy Third", zips=["80204"])
    s = await connect(hub, sender_t, wires, "sender")
    w1 = await connect(hub, r1_t, wires, "r1")
    w2 = await connect(hub, r2_t, wires, "r2")
    w3 = await connect(hub, r3_t, wires, "r3")

    # draft: created, not shared
    draft = (await s.ok("submit", referral={**CLIENT, "send": False}))["referral"]
    ref_id = draft["id"]
    assert draft["status"] == "draft" and draft["email"] == CLIENT["email"]
    assert set(draft["actions"]) >= {"edit", "send"}
    assert "new" not in draft["moves"]  # a draft is shared by `send`, with a mode and receivers
    err = await refused(s, "move", "forbidden", hub, id=ref_id, to="new")
    assert err["details"]["status"] == "draft"
    edited = (await s.ok("edit", id=ref_id, changes={"notes": "pre-approved", "price_max": 500000}))
    assert edited["referral"]["notes"] == "pre-approved"
    assert edited["referral"]["price_max"] == 500000
    await refused(w1, "edit", ("forbidden", "not_found"), hub, id=ref_id, changes={"notes": "x"})
    await w1.no_event()

    # private send to r1; r2 added later; both get masked upserts
    sent = (await s.ok("send", id=ref_id, mode="private", receivers=[r1.id]))["referral"]
    assert sent["status"] == "new" and sent["mode"] == "private"
    ev1 = await w1.event_where(upsert_of(ref_id))
    masked(ev1["data"])
    assert ev1["data"]["notes"] == "pre-approved"
    assert set(ev1["data"]["actions"]) >= {"interest", "decline"}
    await w2.no_event()
    await refused(s, "edit", "forbidden_move", hub, id=ref_id, changes={"notes": "late"})

    await s.ok("add_receivers", id=ref_id, receivers=[r2.id])
    ev2 = await w2.event_where(upsert_of(ref_id))
    masked(ev2["data"])
    assert "recipients" not in ev2["data"]

    # answers: r1 interested (accepted), r2 declines and loses it
    got = (await w1.ok("interest", id=ref_id))["referral"]
    assert got["status"] == "accepted"
    masked(got)
    await w2.ok("decline", id=ref_id, reason="too far")
    removed = await w2.event_where(removed_of(ref_id))
    assert removed["data"]["id"] == ref_id
    assert (await w2.request("referral.get", id=ref_id))["code"] == "not_found"
    inbox2 = await w2.ok("inbox")
    assert ref_id not in [v["id"] for v in inbox2["referrals"]]

    await s.ok("add_receivers", id=ref_id, receivers=[r3.id])  # still possible once accepted
    masked((await w3.event_where(upsert_of(ref_id)))["data"])
    assert (await w3.ok("interest", id=ref_id))["referral"]["status"] == "accepted"

    mine = (await s.ok("referral.get", id=ref_id))["referral"]
    answers = {r["person"]["id"]: r["answer"] for r in mine["recipients"]}
    assert answers == {r1.id: "interested", r2.id: "declined", r3.id: "interested"}
    assert all(r["distance_miles"] < 5 for r in mine["recipients"])

    # pick: only among the interested
    err = await refused(s, "pick", "not_interested", hub, id=ref_id, receiver=r2.id)
    assert sorted(err["details"]["interested"]) == sorted([r1.id, r3.id])
    await refused(w1, "pick", ("forbidden", "not_found"), hub, id=ref_id, receiver=r1.id)
    picked = (await s.ok("pick", id=ref_id, receiver=r1.id))["referral"]
    assert picked["status"] == "pending" and picked["receiver"]["id"] == r1.id
    lost = await w3.event_where(removed_of(ref_id))  # interested, not chosen
    assert "Rita Receiver" in lost["data"]["reason"]
    assert (await w3.request("referral.get", id=ref_id))["code"] == "not_found"

    # signatures: wrong fee, right fee, twice
    err = await refused(w1, "sign", "fee_mismatch", hub, id=ref_id, fee_percent=30)
    assert err["details"]["fee_percent"] == 25.0
    signed = (await w1.ok("sign", id=ref_id, fee_percent=25))["referral"]
    assert signed["status"] == "pending" and signed["signed_by"] == ["receiver"]
    masked(signed)
    await refused(w1, "sign", "already_signed", hub, id=ref_id, fee_percent=25)
    view = (await w1.ok("referral.get", id=ref_id))["referral"]
    masked(view)
    w1.drain()

    for wire in (w1, w2, w3):  # nothing so far carried the contact, in any frame
        for raw in wire.frames:
            assert CLIENT["email"] not in raw and CLIENT["phone"] not in raw and CLIENT["street"] not in raw
    awarded = (await s.ok("sign", id=ref_id, fee_percent=25))["referral"]
    assert awarded["status"] == "awarded"
    pushed = await w1.event_where(lambda f: upsert_of(ref_id)(f) and f["data"]["status"] == "awarded")
    for field in CONTACT:
        assert pushed["data"][field] == CLIENT[field]
    assert pushed["data"]["visibility"] == "full"
    detail = await w1.ok("referral.get", id=ref_id)
    assert detail["referral"]["email"] == CLIENT["email"]
    reveals = [a for a in detail["audit"] if a["action"] == "contact_revealed"]
    assert len(reveals) == 1 and reveals[0]["actor"] == "Rita Receiver"

    # lifecycle after the award
    refusals = 0
    err = await refused(s, "move", "forbidden", hub, id=ref_id, to="working")
    assert err["details"]["status"] == "awarded"
    refusals += 1
    for to in ("working", "in_escrow", "fee_sent"):
        assert (await w1.ok("move", id=ref_id, to=to))["referral"]["status"] == to
    err = await refused(w1, "move", "forbidden", hub, id=ref_id, to="fee_received")
    assert err["details"]["status"] == "fee_sent" and err["details"]["allowed"] == ["lost"]
    assert "fee_sent" in err["message"]
    err = await refused(s, "move", "forbidden_move", hub, id=ref_id, to="closed")
    assert err["details"] == {"status": "fee_sent", "allowed": ["fee_received", "lost"]}
    assert "fee_received" in err["message"]
    for to in ("fee_received", "closed"):
        assert (await s.ok("move", id=ref_id, to=to))["referral"]["status"] == to
    for wire in (s, w1):
        err = await refused(wire, "move", "forbidden_move", hub, id=ref_id, to="working")
        assert err["details"] == {"status": "closed", "allowed": ["archived"]}
        assert "closed" in err["message"] and "archived" in err["message"]
    await refused(w2, "move", "not_found", hub, id=ref_id, to="archived")
    assert (await s.ok("move", id=ref_id, to="archived"))["referral"]["status"] == "archived"
    err = await refused(s, "move", "forbidden_move", hub, id=ref_id, to="closed")
    assert err["details"] == {"status": "archived", "allowed": []}

    audit = (await s.ok("referral.get", id=ref_id))["audit"]
    assert [a["to_status"] for a in audit if a.get("to_status")] == [
        "draft", "new", "accepted", "pending", "awarded", "working", "in_escrow", "fee_sent",
        "fee_received", "closed", "archived",
    ]
    assert (await referral_row(hub, ref_id)).status == "archived"


async def test_network_mode_alerts_nearest_first(hub, wires):
    sender, sender_t = await hub.add_person(name="Nora Networker", zips=["78701"])
    far, far_t = await hub.add_person(name="Fay Far", zips=["10001"])
    mid, mid_t = await hub.add_person(name="Mo Middle", zips=["80903"])
    near, near_t = await hub.add_person(name="Ned Near", zips=["80203"])
    outsider, outsider_t = await hub.add_person(name="Otto Outside", zips=["80202"])
    async with hub.db.write_lock, hub.db.write_session() as session:
        session.add(NetworkGroup(id="G-1", name="Nora's circle", owner_id=sender.id))
        await session.flush()
        for member in (far, mid, near):
            session.add(GroupMember(group_id="G-1", person_id=member.id))

    s = await connect(hub, sender_t, wires, "sender")
    wf = await connect(hub, far_t, wires, "far")
    wm = await connect(hub, mid_t, wires, "mid")
    wn = await connect(hub, near_t, wires, "near")
    wo = await connect(hub, outsider_t, wires, "outsider")

    view = (await s.ok("submit", referral={**CLIENT, "mode": "network"}))["referral"]
    ref_id = view["id"]
    assert view["status"] == "new" and view["mode"] == "network"
    recipients = view["recipients"]
    assert [r["person"]["id"] for r in recipients] == [near.id, mid.id, far.id]
    distances = [r["distance_miles"] for r in recipients]
    assert distances == sorted(distances) and distances[0] < 5 < distances[1] < 100 < distances[2]

    arrivals = {}
    for label, wire in (("near", wn), ("mid", wm), ("far", wf)):
        event = await wire.event_where(upsert_of(ref_id))
        masked(event["data"])
        arrivals[label] = wire.arrival_of(event)
    assert arrivals["near"] <= arrivals["mid"] <= arrivals["far"], arrivals
    await wo.no_event()  # serves the zip, but not in the network


async def test_open_mode_area_search_and_link(hub, wires):
    sender, sender_t = await hub.add_person(name="Olga Opener", zips=["78701"])
    local, local_t = await hub.add_person(name="Lou Local", zips=["80202"])
    nearby, nearby_t = await hub.add_person(name="Nat Nearby", zips=["80203"])
    faraway, faraway_t = await hub.add_person(name="Fritz Faraway", zips=["10001"])
    partner, partner_t = await hub.add_person(name="Pia Partner", roles=["partner"])
    s = await connect(hub, sender_t, wires, "sender")
    wl = await connect(hub, local_t, wires, "local")
    wn = await connect(hub, nearby_t, wires, "nearby")
    wf = await connect(hub, faraway_t, wires, "faraway")
    wp = await connect(hub, partner_t, wires, "partner")

    view = (await s.ok("submit", referral={**CLIENT, "mode": "open"}))["referral"]
    ref_id, link = view["id"], view["link"]
    assert view["mode"] == "open" and link

    event = await wl.event_where(upsert_of(ref_id))  # serves the zip
    masked(event["data"])
    assert event["data"]["link"] == link
    assert set(event["data"]["actions"]) >= {"interest", "decline"}
    await wn.no_event()
    await wf.no_event()

    found = (await wn.ok("open.search", radius_miles=10))["referrals"]
    assert [v["id"] for v in found] == [ref_id]
    masked(found[0])
    assert (await wn.ok("open.search", zip="80202", radius_miles=0))["referrals"][0]["id"] == ref_id
    assert (await wf.ok("open.search", radius_miles=50))["referrals"] == []
    assert (await s.ok("open.search", zip="80202", radius_miles=50))["referrals"] == []  # own

    by_link = (await wf.ok("open.get", link=link))["referral"]
    assert by_link["id"] == ref_id
    masked(by_link)
    assert set(by_link["actions"]) >= {"interest", "decline"}
    assert (await wp.request("open.get", link=link))["code"] == "not_found"
    assert (await wf.request("open.get", link="L-nosuchlink"))["code"] == "not_found"

    interested = (await wf.ok("interest", id=ref_id))["referral"]
    assert interested["status"] == "accepted"
    masked(interested)
    async with hub.db.read() as session:
        rows = (await session.execute(select(Recipient).where(Recipient.referral_id == ref_id))).scalars()
        assert {r.person_id: r.answer for r in rows} == {faraway.id: "interested"}
    inbox = await wf.ok("inbox")
    assert ref_id in [v["id"] for v in inbox["referrals"]]
    mine = (await s.ok("referral.get", id=ref_id))["referral"]
    assert [(r["person"]["id"], r["answer"]) for r in mine["recipients"]] == [(faraway.id, "interested")]
    picked = (await s.ok("pick", id=ref_id, receiver=faraway.id))["referral"]
    assert picked["status"] == "pending"
    await wl.event_where(removed_of(ref_id))  # no longer open: the area's agents lose it
    assert (await wn.ok("open.search", radius_miles=10))["referrals"] == []
    assert (await wl.request("open.get", link=link))["code"] == "not_found"
