"""A model of the referral lifecycle: a Hypothesis state machine drives a real hub (real SQLite
file, loopback port, websocket clients) with random appointments (ranked offers, timeouts on the
hub's clock, passes, claims, several agents claiming in the same moment once it is open to all)
and agent referrals (private and open: interest, declines, picks, signatures), random status moves,
and people dropping offline and coming back, from a desk and three agents at once.

After every step: no more than one agent won each claim race and the losers were told who won; at
most one person other than the sender ever got each referral's contact, and only as its receiver
after the award; every frame passes the privacy sweep; every audited move is one the product's
lifecycle allows, made by someone allowed to make it, and each referral's moves form one unbroken
chain ending at its status (lifecycle_rules.py); each client's event sequence has no gap, across
reconnects with `hello since=...`.

Nothing here depends on how fast the machine is: the hub's clock moves only when the model moves
it, the views the model acts on are read up to a marker request's reply (not whatever had arrived
within 0-100 ms), and the deadlines on clients are bounds for a hung hub, not latency checks.

TRIAGE_MODEL_EXAMPLES and TRIAGE_MODEL_STEPS size the run (default 20 examples of up to 50 steps)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
import zipcodes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from server.hub import Hub
from shared.domain import Status
from shared.protocol import ReferralInput
from tests.integration.conftest import settings_for
from tests.integration.privacy_sweep import violations
from tests.log_leaks import SESSION_WATCH
from tests.loop_thread import LoopThread
from tests.robustness.cast import client_contact
from tests.robustness.conftest import scale
from tests.robustness.lifecycle_rules import (
    check_store,
    holders,
    open_offers,
    referral_row,
    views_in,
)
from tests.wire import SyncWire

EXAMPLES = scale("TRIAGE_MODEL_EXAMPLES", 20)
STEPS = scale("TRIAGE_MODEL_STEPS", 50)
AGENTS = 3
MAX_REFERRALS = 6  # per example: few enough that lifecycles run far, not just start
ZIPS = sorted(r["zip_code"] for r in zipcodes.filter_by(state="TX") if r["zip_code_type"] == "STANDARD")
STATUSES = [s.value for s in Status]
LIFECYCLE_OPS = {"claim", "pass", "interest", "decline", "pick", "sign"}
AFTER_AWARD = {"awarded", "working", "in_escrow", "fee_sent", "fee_received", "closed", "lost", "archived"}
# The deadline of every wait on a client (a reply, a marker's reply, the handshake): a bound for
# a hung hub only. The model checks what the hub does, not how fast: on a machine busy with other
# test runs a commit's fsync alone can take seconds.
HANG = 60.0


class ModelClock:
    """The hub's clock in the model: it moves only when the model moves it (time passes, an offer
    lapses), never with the wall clock. With real time in it, an offer's 60 s window could run out
    by itself on a machine slow enough, and the hub's own claim clock would act at moments that
    depend on how fast the steps ran; this way what the hub decides depends on the steps alone."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class World:
    """What outlives one example: the hub (in its own loop thread) and its clock."""

    hub: Hub
    loop: LoopThread
    clock: ModelClock
    examples = count()
    clients = count(1)
    done: ClassVar[Counter[str]] = Counter()  # operations the hub accepted, over all examples


class LifecycleMachine(RuleBasedStateMachine):
    refs = Bundle("refs")

    def __init__(self) -> None:
        super().__init__()
        w = World
        self.zip = ZIPS[next(w.examples) % len(ZIPS)]
        w.loop.run(self._cast())
        self.wires = {pid: SyncWire.open(w.hub.url, tok, pid, timeout=HANG)
                      for pid, tok in self.tokens.items()}
        self.seen: dict[str, int] = {pid: 0 for pid in self.wires}  # frames already checked
        self.gaps: list[str] = []
        self.seqs = {pid: wire.hello_result["seq"] for pid, wire in self.wires.items()}
        self.kinds: dict[str, str] = {}
        self.contact_of: dict[str, str] = {}  # client e-mail -> referral id
        self.sender_of: dict[str, str] = {}  # agent referrals
        self.interested: dict[str, set[str]] = defaultdict(set)
        self.views: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # ref -> person -> view
        self.holders: dict[str, set[str]] = defaultdict(set)  # ref -> who got its contact, but the sender

    async def _cast(self) -> None:
        hub = World.hub
        desk, desk_token = await hub.add_person(name=f"Desk {self.zip}", roles=["concierge"])
        self.desk, self.tokens = desk.id, {desk.id: desk_token}
        self.agents = []
        for i in range(AGENTS):
            agent, token = await hub.add_person(name=f"Agent {self.zip}-{i}", zips=[self.zip],
                                                rank_score=90 - i * 10)
            self.agents.append(agent.id)
            self.tokens[agent.id] = token

    # ------------------------------------------------------------------ helpers

    def _submit(self, person: str, fields: dict[str, Any]) -> str:
        World.done[f"submit {fields['kind']}"] += 1
        n = next(World.clients)
        contact = client_contact(100_000 + n)
        SESSION_WATCH.add_contact(contact.values())
        data = ReferralInput(first_name="Mia", last_name=f"Model{n}", city="Somewhere", zip=self.zip,
                             **contact, **fields)
        plain = {k: v for k, v in msgspec.to_builtins(data).items() if v not in (None, "", [])}
        frame = self._wire(person).request("submit", referral=plain)
        assert frame["type"] == "reply", frame
        ref_id = frame["result"]["referral"]["id"]
        self.kinds[ref_id] = fields["kind"]
        self.contact_of[contact["email"]] = ref_id
        return ref_id

    def _do(self, person: str, op: str, **args: Any) -> dict[str, Any]:
        frame = self._wire(person).request(op, **args)
        assert frame["type"] in ("reply", "error"), frame
        if frame["type"] == "error":
            assert frame["code"] != "internal", (op, args, frame)
            World.done[f"{op}: {frame['code']}"] += 1
        else:
            World.done[op if op != "move" else f"move to {args['to']}"] += 1
            if op == "interest":
                self.interested[args["id"]].add(person)
        return frame

    # ------------------------------------------------------------------ rules

    @initialize(target=refs)
    def first_appointment(self) -> str:
        return self.create("appointment", 600, 0, 1)

    @initialize(target=refs)
    def appointment_open_to_all(self) -> str:
        """An appointment no one in the rank list answered: open to all, first claim wins."""
        ref = self.create("appointment", 600, 0, 1)
        self._lapse(ref, AGENTS)
        return ref

    @initialize(target=refs, mode=st.sampled_from(["private", "open"]))
    def agent_referral_to_sign(self, mode: str) -> str:
        """A referral whose sender picked an interested receiver: the agreement awaits both."""
        ref = self.create(mode, 0, 1, 2)
        self._do(self.agents[2], "interest", id=ref)
        self._do(self.agents[1], "pick", id=ref, receiver=self.agents[2])
        return ref

    @initialize(target=refs, mode=st.sampled_from(["private", "open"]))
    def first_agent_referral(self, mode: str) -> str:
        return self.create(mode, 0, 0, 1)

    @precondition(lambda self: len(self.kinds) < MAX_REFERRALS)
    @rule(target=refs, kind=st.sampled_from(["appointment", "private", "open"]),
          window=st.sampled_from([60, 600]), sender=st.integers(0, AGENTS - 1),
          to=st.integers(0, AGENTS - 1))
    def create(self, kind: str, window: int, sender: int, to: int) -> str:
        """The desk books an appointment, or an agent sends a private or open referral."""
        if kind == "appointment":
            return self._submit(self.desk, {"kind": "appointment", "lead_type": "cash offer",
                                            "claim_window_seconds": window})
        if to == sender:
            to = (to + 1) % AGENTS
        receivers = [self.agents[to]] if kind == "private" else []
        ref_id = self._submit(self.agents[sender], {"kind": "agent", "mode": kind, "receivers": receivers})
        self.sender_of[ref_id] = self.agents[sender]
        return ref_id

    @rule(ref=refs, op=st.sampled_from(["claim", "pass", "interest", "decline", "pick", "sign", "move"]),
          who=st.integers(0, AGENTS), apt=st.booleans(), to=st.sampled_from(STATUSES),
          fee=st.sampled_from([25, 25, 25, 30]))
    def act(self, ref: str, op: str, who: int, apt: bool, to: str, fee: int) -> None:
        """Someone does something to a referral: `apt` makes it the person for whom the operation
        makes sense now (the holder of the offer, the sender, the picked receiver), else anyone,
        mostly to be refused."""
        person = self.desk if who == AGENTS else self.agents[who]
        args: dict[str, Any] = {"id": ref}
        if op in ("claim", "pass") and apt and self.kinds[ref] == "appointment":
            person = next(iter(World.loop.run(holders(World.hub.db, ref))), person)
        elif op in ("interest", "decline") and apt:
            person = self.agents[who % AGENTS]
        elif op == "pick":
            person = self.sender_of.get(ref, person) if apt else person
            pool = sorted(self.interested[ref]) or self.agents
            args["receiver"] = pool[who % len(pool)]
        elif op == "sign":
            args["fee_percent"] = fee
            if apt:
                receiver = World.loop.run(referral_row(World.hub.db, ref)).receiver_id
                person = self.sender_of.get(ref, person) if who % 2 or not receiver else receiver
        elif op == "move":
            args["to"] = to
            if apt:
                row = World.loop.run(referral_row(World.hub.db, ref))
                person = row.receiver_id if row.receiver_id and who % 2 else row.sender_id
        self._do(person, op, **args)

    def _offered(self, ref: str) -> list[tuple[str, str, str]]:
        """What the app would offer now on `ref`: (person, op, target status) from the views each
        person last received, the lifecycle's operations only. Each wire first gets a marker's
        reply, so every view pushed so far has arrived however busy the machine: the choice
        depends on what was done, not on how fast the frames came in."""
        for person, wire in self.wires.items():
            wire.sync()
            wire.pump()
            self._check_frames(person)
        return sorted(
            [(person, op, "") for person, view in self.views[ref].items()
             for op in view.get("actions", ()) if op in LIFECYCLE_OPS]
            + [(person, "move", to) for person, view in self.views[ref].items()
               for to in view.get("moves", ())])

    def _act_as_offered(self, ref: str, pick: int) -> None:
        """Someone presses a key the app offers them: an action or a move from their last view
        of the referral (stale views are fine: the hub refuses what no longer applies)."""
        offered = self._offered(ref)
        if not offered:
            return
        forward = [o for o in offered if o[1] != "decline" and o[2] not in ("lost", "archived")]
        if forward and pick % 4:  # mostly on, so lifecycles run far; now and then one ends
            offered = forward
        person, op, to = offered[pick % len(offered)]
        args: dict[str, Any] = {"id": ref}
        if op == "move":
            args["to"] = to
        elif op == "pick":
            pool = sorted(self.interested[ref]) or self.agents
            args["receiver"] = pool[pick % len(pool)]
        elif op == "sign":
            args["fee_percent"] = 25
        self._do(person, op, **args)

    # the same rule twice: Hypothesis picks among rules evenly, and acting is where bugs hide
    @rule(ref=refs, pick=st.integers(0, 1_000))
    def act_as_offered(self, ref: str, pick: int) -> None:
        self._act_as_offered(ref, pick)

    @rule(ref=refs, pick=st.integers(0, 1_000))
    def act_as_offered_again(self, ref: str, pick: int) -> None:
        self._act_as_offered(ref, pick)

    def _on_offer(self, pick: int, fallback: str) -> str:
        """One of this example's appointments with an open offer, else `fallback`."""
        open_refs = World.loop.run(open_offers(World.hub.db, list(self.kinds)))
        return sorted(open_refs)[pick % len(open_refs)] if open_refs else fallback

    @rule(ref=refs, pick=st.integers(0, 1_000), everyone=st.booleans())
    def claim_race(self, ref: str, pick: int, everyone: bool) -> None:
        """Several agents press claim in the same moment (those holding an open offer of it, or
        every agent): all requests are sent before any answer is read. One wins at most, and
        every agent who lost the race is told who won."""
        ref = self._on_offer(pick, ref)
        offered = set(World.loop.run(holders(World.hub.db, ref)))
        racers = sorted(set(self.agents) if everyone else offered)
        if not racers:
            return
        sent = {person: self._wire(person).send("claim", id=ref) for person in racers}
        answers = {person: self.wires[person].answer(rid) for person, rid in sent.items()}
        winners = [p for p, frame in answers.items() if frame["type"] == "reply"]
        World.done["claim race"] += 1
        World.done["claim"] += len(winners)
        World.done["claim race of several offers"] += len(offered) > 1
        assert len(winners) <= 1, f"{ref} claimed by {winners} in one race"
        for frame in answers.values():
            assert frame["type"] == "reply" or frame["code"] != "internal", frame
            if winners and frame["type"] == "error" and frame["code"] == "claim_lost":
                assert frame["details"]["winner"]["id"] == winners[0], frame

    @rule(seconds=st.sampled_from([30, 61, 601]))
    def time_passes(self, seconds: int) -> None:
        World.clock.advance(seconds)
        World.loop.run(World.hub.expire_overdue())

    @rule(pick=st.integers(0, 1_000), times=st.sampled_from([1, 1, AGENTS]))
    def offer_lapses(self, pick: int, times: int) -> None:
        """No one answers an offer, `times` offers in a row: the hub's clock passes the deadline,
        and the appointment moves on to the next agent in rank, or opens to all once the rank
        list is done (which `times=AGENTS` reaches when no one passed)."""
        self._lapse(self._on_offer(pick, ""), times)

    def _lapse(self, ref: str, times: int) -> None:
        for _ in range(times):
            deadline = World.loop.run(open_offers(World.hub.db, [ref])).get(ref) if ref else None
            if deadline is None:
                return
            World.clock.advance((deadline - World.clock()).total_seconds() + 1)
            World.loop.run(World.hub.expire_overdue())
            World.done["offer lapsed"] += 1

    @rule(pick=st.integers(0, 1_000))
    def pass_offer(self, pick: int) -> None:
        """The agent holding an offer passes it on."""
        ref = self._on_offer(pick, "")
        agents = sorted(World.loop.run(holders(World.hub.db, ref))) if ref else []
        if agents:
            self._do(agents[pick % len(agents)], "pass", id=ref, reason="fully booked today")

    @rule(who=st.integers(0, AGENTS))
    def go_offline(self, who: int) -> None:
        """Someone's connection drops (laptop closed, network gone); what happens meanwhile
        reaches them when they come back, or act, with `hello since=<last seq>`."""
        person = self.desk if who == AGENTS else self.agents[who]
        wire = self.wires.pop(person, None)
        if wire is not None:
            wire.sync()  # everything pushed to it so far has arrived
            self._check_frames(person, wire)
            wire.close()

    @rule(who=st.integers(0, AGENTS))
    def come_back(self, who: int) -> None:
        self._wire(self.desk if who == AGENTS else self.agents[who])

    def _wire(self, person: str) -> SyncWire:
        """The person's connection, reconnecting with `since` if they were offline."""
        if person not in self.wires:
            wire = SyncWire.open(World.hub.url, self.tokens[person], person, since=self.seqs[person],
                                 timeout=HANG)
            assert wire.hello_result["replay"] == "events", wire.hello_result
            self.wires[person], self.seen[person] = wire, 0
            World.done["reconnect"] += 1
            wire.sync()  # the replay follows the hello, before the marker's reply
            self._check_frames(person)
        return self.wires[person]

    # ------------------------------------------------------------------ invariants

    def _check_frames(self, person: str, wire: SyncWire | None = None) -> None:
        wire = wire or self.wires[person]
        new = wire.frames[self.seen[person]:]  # the list grows as frames arrive: take a slice
        self.seen[person] += len(new)
        broken = violations(new)
        assert not broken, broken[:3]
        for raw in new:
            frame = msgspec.json.decode(raw)
            if frame.get("type") == "event":
                if frame["seq"] != self.seqs[person] + 1:
                    self.gaps.append(f"{person}: seq {frame['seq']} after {self.seqs[person]}")
                self.seqs[person] = frame["seq"]
            for view in views_in(frame):
                if view.get("id") in self.kinds:
                    self.views[view["id"]][person] = view
            for email, ref_id in self.contact_of.items():
                if email in raw:
                    self._entitled(person, ref_id, raw)
        assert not self.gaps, self.gaps

    def _entitled(self, person: str, ref_id: str, raw: str) -> None:
        ref = World.loop.run(referral_row(World.hub.db, ref_id))
        if person == ref.sender_id:
            return
        self.holders[ref_id].add(person)
        assert len(self.holders[ref_id]) == 1, f"{ref_id} held by {sorted(self.holders[ref_id])}"
        assert person == ref.receiver_id, f"{person} got the contact of {ref_id}: {raw[:200]}"
        views = [v for v in views_in(msgspec.json.decode(raw)) if v.get("id") == ref_id and v.get("email")]
        for view in views:
            assert view["status"] in AFTER_AWARD, f"contact of {ref_id} before the award: {raw[:200]}"

    @invariant()
    def frames_are_private_and_without_gaps(self) -> None:
        for person, wire in self.wires.items():
            wire.pump()
            self._check_frames(person)

    @invariant()
    def one_award_and_only_lifecycle_moves(self) -> None:
        World.loop.run(check_store(World.hub.db, self.kinds))

    def teardown(self) -> None:
        for person in self.tokens:
            self._wire(person)  # everyone offline comes back and gets what they missed
        for person, wire in self.wires.items():
            wire.sync()
            self._check_frames(person)
            wire.close()


INTERESTING = ("claim", "pass", "interest", "pick", "sign", "move to working")
ROUNDS = 3  # runs of EXAMPLES examples at most, while the interesting places are not all reached


@pytest.mark.slow
@pytest.mark.timeout(max(900, ROUNDS * EXAMPLES * STEPS // 2))
def test_random_lifecycles_keep_awards_moves_and_contact_right(tmp_path: Path) -> None:
    World.loop, World.clock, World.done = LoopThread(), ModelClock(), Counter()
    World.hub = Hub(settings_for(tmp_path, clock=World.clock, rate_limit_per_minute=0,
                                 max_connections_per_person=10_000))
    World.loop.run(World.hub.start())
    rounds = 0
    try:
        # Hypothesis switches rules off at random in each example, so one run of EXAMPLES can,
        # now and then, end without ever signing or moving to working: another run (new random
        # examples, every check as strict) is then made, up to ROUNDS
        while rounds < ROUNDS and not all(World.done[op] for op in INTERESTING):
            rounds += 1
            run_state_machine_as_test(LifecycleMachine, settings=settings(
                max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                suppress_health_check=list(HealthCheck)))
    finally:
        World.loop.run(World.hub.stop())
        World.loop.close()
    # the machine reached the interesting places, not only refusals: claims, the agreement
    # signed (awards by signature), and the lifecycle past the award
    reached = [op for op in INTERESTING if World.done[op]]
    assert len(reached) == len(INTERESTING), f"only reached {reached} in {rounds} runs: {dict(World.done)}"
    print(f"\nlifecycle model ({rounds} run(s) of {EXAMPLES} examples): {dict(World.done)}")
