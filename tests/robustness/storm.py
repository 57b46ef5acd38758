"""A storm of clients against a hub that keeps dying: agents claim, pass or ignore what they are
offered and walk what they won through its statuses; the desk keeps submitting appointments and
confirms fees. Each client reconnects with `hello since=<last seq it saw>` as the app does, and
checks that the events it then receives continue its sequence with no gap. Every acknowledged
reply is recorded, to be checked against the database."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import InvalidHandshake, WebSocketException

from tests.robustness.cast import appointment
from tests.wire import Wire, WireError

RECEIVER_STEPS = {"awarded": "working", "working": "in_escrow", "in_escrow": "fee_sent"}
SENDER_STEPS = {"fee_sent": "fee_received", "fee_received": "closed"}
DOWN = (OSError, TimeoutError, WireError, InvalidHandshake, WebSocketException)


@dataclass
class Acks:
    """What the hub acknowledged: these must all be in the database after any crash."""

    claims: list[tuple[str, str]] = field(default_factory=list)  # (referral, agent)
    moves: list[tuple[str, str, str]] = field(default_factory=list)  # (referral, person, to)
    submits: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # sequence breaks seen by clients
    resyncs: int = 0
    reconnects: int = 0
    replayed: int = 0  # events received through a replay after a reconnect
    life: int = 0  # which start of the hub this is (set by the test before each start)
    online: dict[str, int] = field(default_factory=dict)  # person -> the life it last said hello in

    def back(self) -> int:
        """How many clients have said hello to the hub's current life."""
        return sum(1 for life in self.online.values() if life == self.life)

    def total(self) -> int:
        return len(self.claims) + len(self.moves) + len(self.submits)


class StormClient:
    """One person's connection that survives hub deaths by reconnecting with `since`."""

    def __init__(self, url: str, person_id: str, token: str, acks: Acks, rng: random.Random) -> None:
        self.url, self.person_id, self.token = url, person_id, token
        self.acks, self.rng = acks, rng
        self.last_seq: int | None = None
        self.wire: Wire | None = None

    async def connect(self, stop: asyncio.Event) -> Wire | None:
        """Reconnect as the app does: growing delays with jitter (here 0.1 s up to 1 s)."""
        delay = 0.1
        while not stop.is_set():
            try:
                wire = await Wire.open(self.url, self.token, label=self.person_id, since=self.last_seq)
            except DOWN:
                await asyncio.sleep(delay * (0.5 + self.rng.random()))  # the app's backoff
                delay = min(1.0, delay * 1.5)
                continue
            hello = wire.hello_result
            self.acks.online[self.person_id] = self.acks.life
            if self.last_seq is not None:
                self.acks.reconnects += 1
                if hello["replay"] == "events":
                    self.acks.replayed += hello["seq"] - self.last_seq
                elif hello["replay"] != "resync":
                    self.acks.gaps.append(f"{self.person_id}: replay {hello['replay']!r} after since")
            self.last_seq = hello["seq"] if self.last_seq is None else self.last_seq
            return wire
        return None

    def follow(self, frame: dict[str, Any]) -> None:
        """Check one event or resync against this client's sequence."""
        if frame["type"] == "resync":
            self.acks.resyncs += 1
            self.last_seq = frame["seq"]
            return
        if frame["seq"] != (self.last_seq or 0) + 1:
            self.acks.gaps.append(f"{self.person_id}: seq {frame['seq']} after {self.last_seq}")
        self.last_seq = frame["seq"]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            wire = self.wire = await self.connect(stop)
            if wire is None:
                return
            try:
                await self.session(wire, stop)
            except DOWN:
                pass
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(wire.close(), 1)
            for frame in wire.drain():  # what arrived before the connection died still counts
                self.follow(frame)

    async def session(self, wire: Wire, stop: asyncio.Event) -> None:
        if wire.hello_result["replay"] != "events":  # as the app: a snapshot unless replayed
            for view in (await wire.ok("inbox"))["referrals"]:
                await self.act(wire, view)
        while not stop.is_set() and not wire.closed.is_set():
            try:
                frame = await wire.next_event(timeout=0.2)
            except WireError:
                continue
            self.follow(frame)
            if frame["type"] == "event" and frame["name"] == "referral.upsert":
                await self.act(wire, frame["data"])

    async def act(self, wire: Wire, view: dict[str, Any]) -> None:
        if "claim" in view.get("actions", ()):
            choice = self.rng.random()
            if choice < 0.55:
                reply = await wire.request("claim", id=view["id"])
                if reply["type"] == "reply":
                    self.acks.claims.append((view["id"], self.person_id))
            elif choice < 0.8:
                await wire.request("pass", id=view["id"])
            return  # else: ignore it and let the clock run out
        step = RECEIVER_STEPS.get(view["status"]) or SENDER_STEPS.get(view["status"])
        if step and step in view.get("moves", ()):
            await asyncio.sleep(self.rng.random() * 0.05)  # load: a person's pause before a move
            reply = await wire.request("move", id=view["id"], to=step)
            if reply["type"] == "reply":
                self.acks.moves.append((view["id"], self.person_id, step))


class Desk(StormClient):
    """The routing desk: a new appointment every `every` seconds, in a random zip code."""

    def __init__(self, *args: Any, zips: list[str], window: int, every: float) -> None:
        super().__init__(*args)
        self.zips, self.window, self.every, self.n = zips, window, every, 10_000

    async def session(self, wire: Wire, stop: asyncio.Event) -> None:
        while not stop.is_set() and not wire.closed.is_set():
            frames = wire.drain()
            for frame in frames:  # all of them first: acting may meet a dead connection
                self.follow(frame)
            for frame in frames:
                if frame["type"] == "event" and frame["name"] == "referral.upsert":
                    await self.act(wire, frame["data"])
            self.n += 1
            ref = appointment(self.n, self.window)
            ref.zip = self.rng.choice(self.zips)
            reply = await wire.request("submit", referral=_plain(ref))
            if reply["type"] == "reply":
                self.acks.submits.append(reply["result"]["referral"]["id"])
            await asyncio.sleep(self.every)  # load: the desk's pace, nothing waits on it


def _plain(ref: Any) -> dict[str, Any]:
    import msgspec

    return {k: v for k, v in msgspec.to_builtins(ref).items() if v not in (None, "", [])}
