"""A client that was away gets every missed event, in order, on reconnect; one that was away
longer than the retention window is told to resync."""

from __future__ import annotations

from shared.protocol import ReferralInput
from tests.wire import connect, upsert_of

ZIP = "78702"


def lead(n: int) -> ReferralInput:
    return ReferralInput(kind="active", first_name=f"Lead{n}", last_name="Person", street=f"{n} Oak St",
                         city="Austin", zip=ZIP)


async def test_reconnect_with_since_replays_every_missed_event_in_order(hub, wires):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP])
    away = await connect(hub, ann_t, wires, "away")
    stays = await connect(hub, ann_t, wires, "stays")  # a second session of Ann that never leaves
    first = await hub.submit(desk.id, lead(0))
    seen = await away.event_where(upsert_of(first))
    last_seq = seen["seq"]
    assert (await stays.event_where(upsert_of(first)))["seq"] == last_seq
    await away.close()

    missed_ids = [await hub.submit(desk.id, lead(n)) for n in range(1, 6)]
    taken = missed_ids[0]
    # a change of a different kind: Ann takes one of the leads from her other session
    await stays.ok("work", id=taken)

    live = [await stays.next_event() for _ in range(6)]  # upserts of 1..5, then the work upsert
    assert [f["seq"] for f in live] == list(range(last_seq + 1, last_seq + 7))

    back = await connect(hub, ann_t, wires, "back", since=last_seq)
    hello = back.hello_result
    assert hello["replay"] == "events"
    assert hello["seq"] == last_seq + 6
    replayed = [await back.next_event() for _ in range(6)]
    assert [f["seq"] for f in replayed] == list(range(last_seq + 1, last_seq + 7))
    assert [f["data"]["id"] for f in replayed] == [*missed_ids, taken]
    assert replayed[-1]["data"]["status"] == "working"
    # byte for byte what the session that stayed saw live
    replay_raw = [r for r in back.frames if '"type":"event"' in r]
    live_raw = [r for r in stays.frames if '"type":"event"' in r][-6:]
    assert replay_raw == live_raw
    await back.no_event()

    # and after the replay it is live again
    newest = await hub.submit(desk.id, lead(9))
    nxt = await back.event_where(upsert_of(newest))
    assert nxt["seq"] == last_seq + 7


async def test_since_equal_to_current_replays_nothing(hub, wires):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP])
    await hub.submit(desk.id, lead(1))
    w = await connect(hub, ann_t, wires, "ann", since=1)
    assert w.hello_result == {**w.hello_result, "replay": "events", "seq": 1}
    await w.no_event()


async def test_since_older_than_retention_gets_resync(make_hub, wires):
    hub = await make_hub(retention_days=0)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP])
    for n in range(3):
        await hub.submit(desk.id, lead(n))
    await hub.prune()

    w = await connect(hub, ann_t, wires, "ann", since=1)
    assert w.hello_result["replay"] == "resync"
    assert w.hello_result["seq"] == 3
    frame = await w.next_event()
    assert frame["type"] == "resync" and frame["seq"] == 3
    await w.no_event()  # no partial replay follows
    # the inbox is the way back: it holds all three leads
    inbox = await w.ok("inbox")
    assert inbox["total"] == 3 and inbox["seq"] == 3


async def test_since_ahead_of_the_hub_gets_resync(hub, wires):
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP])
    w = await connect(hub, ann_t, wires, "ann", since=40)
    assert w.hello_result["replay"] == "resync"
    assert (await w.next_event())["type"] == "resync"
