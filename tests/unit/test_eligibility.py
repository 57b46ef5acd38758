"""Who is offered an appointment and in which order (docs/domain.md, "Eligible for an offer")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.routing.eligibility import is_available, rank_order, within_working_hours
from server.storage.models import Person, PersonRole

UTC = timezone.utc
NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)  # a Wednesday, 15:00 UTC


def agent(pid: str, *, rank: float = 50.0, last: datetime | None = None, paused: bool = False,
          tz: str = "UTC", start: int | None = None, end: int | None = None) -> Person:
    return Person(id=pid, name=pid, roles=[PersonRole(role="agent")], rank_score=rank,
                  last_offer_at=last, paused=paused, timezone=tz, work_start_minute=start,
                  work_end_minute=end, last_seq=0, created_at=NOW)


def ids(people: list[Person]) -> list[str]:
    return [p.id for p in people]


def hm(h: int, m: int = 0) -> int:
    return h * 60 + m


def test_higher_rank_score_first():
    agents = [agent("low", rank=10), agent("high", rank=90), agent("mid", rank=50)]
    assert ids(rank_order(agents, NOW)) == ["high", "mid", "low"]


def test_equal_rank_longest_wait_since_last_offer_first():
    agents = [
        agent("recent", rank=70, last=NOW - timedelta(minutes=1)),
        agent("never", rank=70, last=None),
        agent("hour", rank=70, last=NOW - timedelta(hours=1)),
        agent("better", rank=71, last=NOW - timedelta(seconds=1)),
    ]
    assert ids(rank_order(agents, NOW)) == ["better", "never", "hour", "recent"]


def test_paused_agent_is_not_eligible():
    agents = [agent("paused", rank=99, paused=True), agent("on", rank=1)]
    assert ids(rank_order(agents, NOW)) == ["on"]
    assert not is_available(agents[0], NOW)


def test_already_offered_agents_are_excluded():
    agents = [agent("a", rank=90), agent("b", rank=80), agent("c", rank=70)]
    assert ids(rank_order(agents, NOW, exclude={"a", "c"})) == ["b"]


def test_working_hours_in_the_agents_own_time_zone():
    # 15:00 UTC is 10:00 in Chicago (CDT, UTC-5 on 2025-03-12) and 00:00 in Tokyo next day.
    chicago = agent("chicago", tz="America/Chicago", start=hm(9), end=hm(17))
    tokyo = agent("tokyo", tz="Asia/Tokyo", start=hm(9), end=hm(17))
    assert within_working_hours(chicago, NOW)
    assert not within_working_hours(tokyo, NOW)
    assert ids(rank_order([tokyo, chicago], NOW)) == ["chicago"]


def test_half_hour_zone_kolkata():
    # Kolkata is UTC+5:30: 03:29 UTC is 08:59 there, 03:30 UTC is 09:00.
    kolkata = agent("in", tz="Asia/Kolkata", start=hm(9), end=hm(17, 30))
    day = datetime(2025, 3, 12, tzinfo=UTC)
    assert not within_working_hours(kolkata, day.replace(hour=3, minute=29))
    assert within_working_hours(kolkata, day.replace(hour=3, minute=30))
    assert within_working_hours(kolkata, day.replace(hour=11, minute=59))  # 17:29 local
    assert not within_working_hours(kolkata, day.replace(hour=12, minute=0))  # 17:30 local
    assert ids(rank_order([kolkata], day.replace(hour=3, minute=29))) == []
    assert ids(rank_order([kolkata], day.replace(hour=3, minute=30))) == ["in"]


def test_working_hours_across_midnight():
    night = agent("night", tz="America/New_York", start=hm(22), end=hm(6))  # 22:00-06:00 local
    day = datetime(2025, 7, 1, tzinfo=UTC)  # New York is UTC-4 in July
    assert within_working_hours(night, day.replace(hour=2, minute=30))  # 22:30 local
    assert within_working_hours(night, day.replace(hour=7))  # 03:00 local
    assert within_working_hours(night, day.replace(hour=4))  # 00:00 local
    assert not within_working_hours(night, day.replace(hour=10))  # 06:00 local: ended
    assert not within_working_hours(night, day.replace(hour=16))  # 12:00 local
    assert not within_working_hours(night, day.replace(hour=1, minute=59))  # 21:59 local
    assert ids(rank_order([night], day.replace(hour=16))) == []


def test_no_working_hours_means_always_available():
    assert is_available(agent("free"), NOW)


def test_unknown_time_zone_falls_back_to_utc():
    odd = agent("odd", tz="Not/AZone", start=hm(14), end=hm(16))
    assert within_working_hours(odd, NOW)
    assert not within_working_hours(odd, NOW + timedelta(hours=2))
