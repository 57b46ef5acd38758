"""What one hub hands the others at a commit: the frames themselves, split to fit PostgreSQL's
payload limit, so a hub pushes to its own people without a query."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from server.events.frames import Push, View, event_frame
from server.transport.announcements import MAX_PAYLOAD, heard, payloads, people_named

AT = '"2026-12-01T12:00:00Z"'


def pushes_of(view: View, people: list[str], first_seq: int = 7) -> list[Push]:
    return [
        Push(pid, first_seq + i, event_frame(first_seq + i, view.name, view.at_json, view.body), view)
        for i, pid in enumerate(people)
    ]


def test_an_open_referral_to_a_thousand_agents_arrives_whole_in_payloads_that_fit() -> None:
    body = json.dumps({"id": "r_abc123", "notes": "pre-approved; wants a yard " * 20})
    view = View("referral_offered", AT, body)
    people = [f"p_{i:06d}" for i in range(1000)]
    sent = pushes_of(view, people)

    said = payloads("hub-a", sent)

    assert len(said) > 1  # one payload cannot hold them
    assert all(len(p.encode()) <= MAX_PAYLOAD for p in said)
    received = [push for p in said for push in heard(p).pushes(set(people))]
    assert [(p.person_id, p.seq, p.frame) for p in received] == [
        (p.person_id, p.seq, p.frame) for p in sent
    ]
    frame = json.loads(received[0].frame)  # a frame a client can read, body intact
    assert frame["data"]["notes"].startswith("pre-approved") and frame["seq"] == 7


def test_a_hub_builds_frames_only_for_its_own_people() -> None:
    view = View("message_added", AT, '{"text":"hello"}')
    said = payloads("hub-a", pushes_of(view, ["p_a", "p_b", "p_c"]))
    assert [p.person_id for p in heard(said[0]).pushes({"p_b"})] == ["p_b"]


def test_a_view_too_large_for_a_payload_names_its_people_for_fetching() -> None:
    small = View("message_added", AT, '{"text":"hi"}')
    large = View("message_added", AT, json.dumps({"text": "x" * 9000}))
    sent = pushes_of(small, ["p_a"]) + pushes_of(large, ["p_b", "p_c"], first_seq=20)
    deadline = datetime(2026, 12, 1, 12, 30, tzinfo=timezone.utc)

    said = payloads("hub-a", sent, deadline)

    assert all(len(p.encode()) <= MAX_PAYLOAD for p in said)
    announced = [heard(p) for p in said]
    carried = [push.person_id for a in announced for push in a.pushes({"p_a", "p_b", "p_c"})]
    named = set().union(*(people_named(a, {"p_a", "p_b", "p_c", "p_d"}) for a in announced))
    assert carried == ["p_a"] and named == {"p_b", "p_c"}
    assert [a.deadline for a in announced if a.deadline] == [deadline]


def test_the_claim_clock_rides_on_the_frames() -> None:
    view = View("referral_offered", AT, '{"id":"r_1"}')
    deadline = datetime(2026, 12, 1, 12, 30, tzinfo=timezone.utc)
    said = payloads("hub-a", pushes_of(view, ["p_a"]), deadline)
    assert len(said) == 1
    announced = heard(said[0])
    assert announced.deadline == deadline
    assert [p.person_id for p in announced.pushes({"p_a"})] == ["p_a"]


def test_nothing_to_say_says_nothing_and_a_stranger_payload_is_ignored() -> None:
    assert payloads("hub-a", []) == []
    assert heard("not json") is None
    assert heard('{"no": "hub"}') is None
