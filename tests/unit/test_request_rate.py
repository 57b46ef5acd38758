"""The per-connection request rate is a rolling minute: the limit holds in any 60 s, and room
comes back as the oldest requests age out (the integration tests cannot wait a minute)."""

from __future__ import annotations

from server.limits import RequestRate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_rolls() -> None:
    clock = Clock()
    rate = RequestRate(3, clock=clock)
    assert [rate.allow() for _ in range(3)] == [True, True, True]
    assert not rate.allow()  # a 4th within the minute
    clock.now += 59.9
    assert not rate.allow()  # still inside the minute of the first
    clock.now += 0.1
    assert rate.allow()  # the first has aged out: room for one
    assert not rate.allow()


def test_a_steady_pace_under_the_limit_never_trips() -> None:
    clock = Clock()
    rate = RequestRate(100, clock=clock)
    for _ in range(1000):  # 100 a minute exactly, for ten minutes
        assert rate.allow()
        clock.now += 0.6


def test_a_burst_after_a_quiet_minute_gets_the_whole_limit() -> None:
    clock = Clock()
    rate = RequestRate(100, clock=clock)
    for _ in range(100):
        assert rate.allow()
    clock.now += 60
    assert all(rate.allow() for _ in range(100))
    assert not rate.allow()
    assert rate.reason == "rate limit: more than 100 requests a minute"
