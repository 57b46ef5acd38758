"""Fuzzing the hub's front door: thousands of generated and mutated frames (JSON-ish values,
requests with wrong types and unknown operations, random bytes, deep nesting, valid frames with
flipped characters) against a live hub. Every frame gets a structured answer within a second,
nothing crashes, and another client's requests keep being answered promptly throughout.

TRIAGE_FUZZ_FRAMES sets how many frames (default 10,000)."""

from __future__ import annotations

import random
import threading
import time

import msgspec
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from server.hub import Hub
from shared.protocol import ErrorCode
from tests.robustness import cast as casting
from tests.robustness.conftest import scale
from tests.robustness.frame_strategies import frames, mutated
from tests.wire import SyncWire

FRAMES = scale("TRIAGE_FUZZ_FRAMES", 10_000)
ANSWER_WITHIN = 1.0
VARIANTS = 10  # each generated frame is sent as is and in 9 cheap mutations
CODES = {code.value for code in ErrorCode}


async def prepare(hub: Hub) -> casting.Cast:
    cast = await casting.seed(hub, agents=3, appointments=3, window=3600)
    cast.referrals.append(await hub.submit(cast.agents[0], casting.agent_referral(
        900, "private", [cast.agents[1]])))
    return cast


def expected_id(frame: str | bytes) -> str | None:
    """The id the hub must echo: a JSON object's string `id`, when the frame is valid JSON."""
    if isinstance(frame, bytes):
        return None
    try:
        value = msgspec.json.decode(frame)
    except (msgspec.DecodeError, RecursionError):
        return None
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


class Watcher(threading.Thread):
    """Another connected client asking for its availability every 20 ms, timing each answer."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(name="fuzz-watcher", daemon=True)
        self.wire = SyncWire.open(url, token, "watch")
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self.wire.ok("availability.get")
            except Exception as exc:  # noqa: BLE001 - recorded, asserted in the test
                self.failures.append(repr(exc))
                return
            self.latencies.append(time.monotonic() - started)
            self.stop.wait(0.02)


# The hub thread draws ids from `random` while Hypothesis generates: harmless here.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.timeout(max(600, FRAMES // 50))
def test_every_hostile_frame_gets_a_structured_answer_and_others_keep_working(threaded_hub):
    # the rate limit off: three connections send 10,000 frames in seconds, far over 100 a minute,
    # and a 1008 close would end the fuzzing of the frame handling it is here for; the limit
    # itself is proven in tests/integration/test_limits.py
    hub, cast = threaded_hub(prepare, rate_limit_per_minute=0)
    known = [*cast.referrals, *cast.agents, cast.desk, "R-NOPE", ""]
    fuzzers = [SyncWire.open(hub.url, cast.tokens[pid], f"fz{i}")
               for i, pid in enumerate([cast.desk, cast.agents[0], cast.agents[1]])]
    watcher = Watcher(hub.url, cast.tokens[cast.agents[2]])
    watcher.start()
    sent = {"frames": 0, "slowest": 0.0}

    @settings(max_examples=max(1, FRAMES // VARIANTS), deadline=None, database=None,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(frame=frames(known), rng=st.randoms(use_true_random=False),
           which=st.integers(0, len(fuzzers) - 1))
    def answered(frame: str | bytes, rng: random.Random, which: int) -> None:
        wire = fuzzers[which]
        for variant in [frame, *(mutated(frame, rng) for _ in range(VARIANTS - 1))]:
            started = time.monotonic()
            wire.send_raw(variant)
            sent["frames"] += 1
            answer = wire.next_orphan(ANSWER_WITHIN)
            took = time.monotonic() - started
            sent["slowest"] = max(sent["slowest"], took)
            assert answer["type"] in ("reply", "error"), answer
            assert answer.get("id") == expected_id(variant), (variant[:200], answer)
            if answer["type"] == "error":
                assert answer["code"] in CODES and answer["message"], answer
                assert answer["code"] != ErrorCode.INTERNAL, (variant[:300], answer)

    try:
        answered()
    finally:
        watcher.stop.set()
        watcher.join(5)

    assert sent["frames"] >= FRAMES
    assert not watcher.failures, watcher.failures
    assert watcher.latencies and max(watcher.latencies) < ANSWER_WITHIN, max(watcher.latencies)
    # after the storm: every connection still works and the hub still serves new ones
    for wire in [*fuzzers, watcher.wire]:
        assert "referrals" in wire.ok("inbox")
    fresh = SyncWire.open(hub.url, cast.tokens[cast.agents[0]], "fresh")
    assert fresh.ok("inbox")["total"] >= 1
    for wire in [*fuzzers, watcher.wire, fresh]:
        wire.close()
    print(f"\nfuzz: {sent['frames']} frames, slowest answer {sent['slowest'] * 1000:.0f} ms, "
          f"other client's slowest {max(watcher.latencies) * 1000:.0f} ms")


async def test_a_deeply_nested_frame_is_a_bad_frame_not_an_internal_error(make_hub, wires):
    from tests.robustness.frame_strategies import nested
    from tests.wire import connect

    hub = await make_hub()
    _, token = await hub.add_person(name="Ann Agent", zips=[casting.ZIP])
    wire = await connect(hub, token, wires, "ann")
    for kind in ("list", "dict", "args"):
        await wire.send_raw(nested(5000, kind))
        error = await wire.next_orphan()
        # was "internal" (a RecursionError); whether the decoder stops at the depth or reads it
        # whole (and the op then refuses the unknown field) depends on the interpreter's
        # recursion limit, which other code in the process may have raised
        assert error["code"] in ("bad_frame", "bad_request"), error
    assert (await wire.ok("inbox"))["total"] == 0
