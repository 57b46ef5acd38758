"""What a commit tells the other hubs on one PostgreSQL database, in `pg_notify` payloads.

An announcement carries the commit's frames themselves when they fit: each view once (its name,
time and body, spliced in as raw JSON) and a `[person, seq, view]` triple per delivery, split
over as many payloads as it takes (PostgreSQL delivers a transaction's notifications together,
in order, at its commit). A hub that hears one pushes the frames of its own people at once, with
no query. A view too large for a payload is announced by naming its people instead, and those
hubs fetch it from the database (the log, whatever an announcement carries). The earliest new
claim clock rides on the first payload.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import msgspec

from server.events.frames import Push, View, event_frame

MAX_PAYLOAD = 7000  # bytes of one NOTIFY payload (PostgreSQL's limit is 8000)
_HEAD = 160  # the brackets around what a payload carries, and the claim clock


class Announced(msgspec.Struct, forbid_unknown_fields=False):
    """One payload, as heard."""

    hub: str
    people: list[str] | str | None = None  # "*": too many to name, everyone here checks
    views: list[tuple[str, msgspec.Raw, msgspec.Raw]] = []
    frames: list[tuple[str, int, int]] = []
    deadline: datetime | None = None

    def pushes(self, here: set[str]) -> list[Push]:
        """The carried frames of the people connected here, in commit order."""
        views = [(name, bytes(at).decode(), bytes(body).decode()) for name, at, body in self.views]
        return [
            Push(pid, seq, event_frame(seq, *views[index]))
            for pid, seq, index in self.frames
            if pid in here
        ]


_decode = msgspec.json.Decoder(Announced).decode


def heard(payload: str) -> Announced | None:
    """A payload as heard; None if it is not one of ours."""
    try:
        return _decode(payload)
    except msgspec.DecodeError:
        return None


def payloads(hub: str, pushes: list[Push], deadline: datetime | None = None) -> list[str]:
    """The payloads announcing a commit's pushes (at least one when there is anything to say)."""
    chunks: list[str] = []
    chunk = _Chunk(hub)
    woken: set[str] = set()  # people whose frames do not fit: their hubs fetch them
    for push in pushes:
        view = push.view
        if view is None or _view_size(view) > MAX_PAYLOAD - _HEAD - 64:
            woken.add(push.person_id)
            continue
        if not chunk.fits(push):
            chunks.append(chunk.text())
            chunk = _Chunk(hub)
        chunk.add(push)
    if chunk.frames:
        chunks.append(chunk.text())
    extra: dict[str, object] = {}
    if woken:
        people: list[str] | str = sorted(woken)
        if len(json.dumps(people)) > MAX_PAYLOAD - _HEAD:
            people = "*"
        extra["people"] = people
    if deadline is not None:
        extra["deadline"] = deadline.isoformat()
    if extra:
        if chunks and "people" not in extra:  # the clock rides on the first
            chunks[0] = chunks[0][:-1] + "," + json.dumps(extra, separators=(",", ":"))[1:]
        else:
            chunks.insert(0, json.dumps({"hub": hub, **extra}, separators=(",", ":")))
    return chunks


def _view_size(view: View) -> int:
    return len(view.name) + len(view.at_json) + len(view.body.encode()) + 8


class _Chunk:
    """One payload being filled."""

    def __init__(self, hub: str) -> None:
        self.hub = hub
        self.views: dict[int, tuple[int, View]] = {}  # id(view) -> (index, view)
        self.frames: list[str] = []
        self.size = _HEAD + len(hub)

    def fits(self, push: Push) -> bool:
        assert push.view is not None
        cost = len(push.person_id) + 16
        if id(push.view) not in self.views:
            cost += _view_size(push.view)
        return not self.frames or self.size + cost <= MAX_PAYLOAD

    def add(self, push: Push) -> None:
        assert push.view is not None
        entry = self.views.get(id(push.view))
        if entry is None:
            entry = self.views[id(push.view)] = (len(self.views), push.view)
            self.size += _view_size(push.view)
        self.frames.append(f'[{json.dumps(push.person_id)},{push.seq},{entry[0]}]')
        self.size += len(self.frames[-1]) + 1

    def text(self) -> str:
        views = ",".join(
            f"[{json.dumps(view.name)},{view.at_json},{view.body}]"
            for _, view in sorted(self.views.values(), key=lambda entry: entry[0])
        )
        return (
            f'{{"hub":{json.dumps(self.hub)},"views":[{views}],'
            f'"frames":[{",".join(self.frames)}]}}'
        )


def people_named(announced: Announced, here: Iterable[str]) -> set[str]:
    """Of the people here, those an announcement names for fetching."""
    if announced.people == "*":
        return set(here)
    if announced.people:
        return set(announced.people) & set(here)
    return set()
