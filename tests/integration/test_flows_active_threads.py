"""Active leads (name and street to the zip's agents, phone and e-mail to its sponsors, `work`
takes it) and message threads (pushed to the parties only, unread counts, size limits)."""

from __future__ import annotations

from sqlalchemy import func, select

from server.storage.models import Message
from tests.integration.conftest import snapshot
from tests.wire import Wire, connect, removed_of, upsert_of

LEAD = dict(kind="active", first_name="Carla", last_name="Client", email="carla@example.com",
            phone="512-555-7777", street="77 Lead Lane", city="Austin", state="TX", zip="78702",
            intent="sell")


def is_message(ref_id: str):
    return lambda f: f["type"] == "event" and f["name"] == "message.new" and f["data"]["referral_id"] == ref_id


async def message_count(hub) -> int:
    async with hub.db.read() as session:
        return await session.scalar(select(func.count()).select_from(Message))


async def unread(wire: Wire, ref_id: str) -> int:
    return (await wire.ok("inbox"))["unread"].get(ref_id, 0)


async def test_active_lead_visibility_and_work(hub, wires):
    desk, desk_t = await hub.add_person(name="Dee Desk", roles=["concierge"])
    sponsor, sponsor_t = await hub.add_person(name="Sue Sponsor", sponsor_zips=["78702"])
    plain, plain_t = await hub.add_person(name="Pete Plain", zips=["78702"])
    other, other_t = await hub.add_person(name="Olive Other", zips=["78702"])
    far, far_t = await hub.add_person(name="Fred Far", zips=["10001"])
    d = await connect(hub, desk_t, wires, "desk")
    ws = await connect(hub, sponsor_t, wires, "sponsor")
    wp = await connect(hub, plain_t, wires, "plain")
    wo = await connect(hub, other_t, wires, "other")
    wf = await connect(hub, far_t, wires, "far")

    lead = (await d.ok("submit", referral=LEAD))["referral"]
    ref_id = lead["id"]
    assert lead["status"] == "new" and lead["visibility"] == "full" and lead["phone"] == LEAD["phone"]

    s_view = (await ws.event_where(upsert_of(ref_id)))["data"]
    assert s_view["visibility"] == "full"
    assert (s_view["email"], s_view["phone"], s_view["street"]) == (LEAD["email"], LEAD["phone"], LEAD["street"])
    for wire in (wp, wo):
        view = (await wire.event_where(upsert_of(ref_id)))["data"]
        assert view["visibility"] == "name_address"
        assert view["client_name"] == "Carla Client" and view["street"] == LEAD["street"]
        assert "email" not in view and "phone" not in view
        assert view["actions"] == ["work"]
    await wf.no_event()
    assert (await wf.request("referral.get", id=ref_id))["code"] == "not_found"
    assert (await wf.request("work", id=ref_id))["code"] == "not_found"
    assert (await d.request("work", id=ref_id))["code"] == "forbidden"

    # the desk's notes on the lead's thread are for its parties: the zip's agents are not (yet)
    await d.ok("thread.send", id=ref_id, body="left a voicemail at 9:05")
    await d.event_where(is_message(ref_id))
    for wire in (ws, wp, wo):
        assert (await wire.request("thread.get", id=ref_id))["code"] == "forbidden"
        inbox = await wire.ok("inbox")
        assert ref_id in [v["id"] for v in inbox["referrals"]]
        assert inbox["unread"].get(ref_id, 0) == 0, "unread count of a thread one may not read"
        await wire.no_event()

    taken = (await wp.ok("work", id=ref_id))["referral"]
    assert taken["status"] == "working" and taken["receiver"]["id"] == plain.id
    for wire in (ws, wo):
        removed = await wire.event_where(removed_of(ref_id))
        assert "Pete Plain" in removed["data"]["reason"]
        assert (await wire.request("referral.get", id=ref_id))["code"] == "not_found"
    before = await snapshot(hub)
    assert (await wo.request("work", id=ref_id))["code"] == "not_found"
    assert await snapshot(hub) == before
    desk_view = await d.event_where(lambda f: upsert_of(ref_id)(f) and f["data"]["status"] == "working")
    assert desk_view["data"]["receiver"]["id"] == plain.id
    assert (await wp.ok("move", id=ref_id, to="closed"))["referral"]["status"] == "closed"


async def test_threads_between_parties_only(hub, wires):
    partner, partner_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    vendor, vendor_t = await hub.add_person(name="Vic Vendor", roles=["vendor"])
    stranger, stranger_t = await hub.add_person(name="Stan Stranger", roles=["partner", "agent"],
                                                zips=["78701"])
    await hub.add_program("PRG-1", "Acme", vendor.id, fee_type="intro", fee_amount=100.0)
    p = await connect(hub, partner_t, wires, "partner")
    v = await connect(hub, vendor_t, wires, "vendor")
    x = await connect(hub, stranger_t, wires, "stranger")
    ref_id = (await p.ok("submit", referral=dict(kind="partner", program="PRG-1", company="Initech",
                                                  contact_email="bill@initech.com")))["referral"]["id"]
    await v.event_where(upsert_of(ref_id))

    assert (await p.ok("thread.get", id=ref_id))["messages"] == []
    sent = (await p.ok("thread.send", id=ref_id, body="  Bill is expecting your call  "))["message"]
    assert sent["body"] == "Bill is expecting your call" and sent["author"]["id"] == partner.id
    for wire in (v, p):
        event = await wire.event_where(is_message(ref_id))
        assert event["data"]["body"] == "Bill is expecting your call"
    await p.ok("thread.send", id=ref_id, body="He prefers mornings")
    await v.event_where(lambda f: is_message(ref_id)(f) and f["data"]["body"] == "He prefers mornings")
    await x.no_event()

    assert await unread(v, ref_id) == 2
    assert await unread(p, ref_id) == 0  # one's own messages are read
    thread = await v.ok("thread.get", id=ref_id)
    assert [m["body"] for m in thread["messages"]] == ["Bill is expecting your call", "He prefers mornings"]
    assert await unread(v, ref_id) == 0
    await v.ok("thread.send", id=ref_id, body="Thanks, calling tomorrow")
    for wire in (p, v):
        await wire.event_where(lambda f: is_message(ref_id)(f) and f["data"]["author"]["id"] == vendor.id)
    assert await unread(p, ref_id) == 1
    assert await unread(v, ref_id) == 0
    await p.ok("thread.get", id=ref_id)
    assert await unread(p, ref_id) == 0

    count = await message_count(hub)
    for op, args in (("thread.get", {}), ("thread.send", {"body": "let me in"})):
        frame = await x.request(op, id=ref_id, **args)  # a stranger: as if it did not exist
        assert frame["type"] == "error" and frame["code"] == "not_found", frame
    assert (await x.request("thread.get", id="R-NOSUCH"))["code"] == "not_found"
    big = await p.request("thread.send", id=ref_id, body="x" * 4001)
    assert big["code"] == "too_large" and big["details"]["limit"] == 4000
    for body in ("", "   \n "):
        assert (await p.request("thread.send", id=ref_id, body=body))["code"] == "bad_request"
    assert await message_count(hub) == count
    await p.no_event()
    await v.no_event()
    exact = (await p.ok("thread.send", id=ref_id, body="y" * 4000))["message"]
    assert len(exact["body"]) == 4000
    assert await message_count(hub) == count + 1
    assert await unread(v, ref_id) == 1
