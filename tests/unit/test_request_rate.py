"""The per-connection request rate is a rolling minute: the limit holds in any 60 s, and room
comes back as the oldest requests age out (the integration tests cannot wait a minute)."""

from __future__ import annotations

from server.transport.limits import RequestRate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_rolls() -> None:
    clock = Clock()
    rate = RequestRate(3, clock=clock)
    for _ in range(3):  # at 0 s, 10 s and 20 s
        assert rate.allow()
        clock.now += 10
    assert not rate.allow()  # a 4th at 30 s: within the minute of the first
    clock.now += 29.5
    assert not rate.allow()  # 59.5 s: still inside it
    clock.now += 0.5
    assert rate.allow()  # 60 s: the first has aged out, room for one
    assert not rate.allow()
    clock.now += 10
    assert rate.allow()  # 70 s: the second has aged out


def test_a_steady_pace_under_the_limit_never_trips() -> None:
    clock = Clock()
    rate = RequestRate(100, clock=clock)
    for _ in range(1000):  # just under 100 a minute, for ten minutes
        assert rate.allow()
        clock.now += 0.601


def test_a_burst_after_a_quiet_minute_gets_the_whole_limit() -> None:
    clock = Clock()
    rate = RequestRate(100, clock=clock)
    for _ in range(100):
        assert rate.allow()
    clock.now += 60
    assert all(rate.allow() for _ in range(100))
    assert not rate.allow()
    assert rate.reason == "rate limit: more than 100 requests a minute"
