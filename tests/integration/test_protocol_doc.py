"""docs/protocol.md is exact: every request example in it is sent to a real hub, as the person
the example names, and answered as the example says; every other example frame fits the
protocol's structs; the op table, the error table, the audit actions and the referral view's
fields name what the code has.

How the examples are marked (docs/protocol.md, "About the examples", says the same for readers):

- A fenced block whose info string starts with ```` ```json request ```` holds request frames,
  each optionally followed by the answer the hub gives it (a frame of type reply or error with
  the same `id`). The rest of the info string: `name=NAME` (the test id), `as=P-...` (who sends
  them), `error=CODE` (the answer of requests shown without one; otherwise a reply),
  `nohello` (sent on a connection that has not said hello), and `R-XXXXXX=STATE` (the state the
  example referral is built in, when not its usual one).
- Every other ```` ```json ```` block holds frames the hub sends (replies, errors, events,
  resyncs): they are checked against the structs in shared/protocol/, not sent.

Each request runs in a fresh world on a fresh hub (a real hub on loopback, a real SQLite file,
real websocket clients): the example people of the doc with their ids (P-DANA01, ...), and the
example referrals it mentions, each built in its state through the protocol. The referral ids
and the open referral's link in the examples are placeholders: they are replaced by the ids the
hub gave the referrals it built. An answer example matches the hub's answer when it has the
same type and code, and every key it shows is in the answer with the same value, where
- `"..."` stands for anything (and, as a key, for the fields left out);
- numbers only need to be numbers (sequence numbers, counts and totals depend on the world);
- a time matches any time written the same way (`...Z` or `...+00:00`; the fraction aside);
- an id the world did not build (a new referral's, an invoice's) matches any id of its shape;
- an error's `message` is for people and is not compared; its `details` are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

import shared.protocol as protocol
from server.hub import Hub
from server.operations.table import OPERATIONS
from server.storage.models import AreaWindow, GroupMember, NetworkGroup
from shared.protocol import ErrorCode, ReferralView
from tests.integration.conftest import StepClock, offer_rows
from tests.wire import DEFAULT_TIMEOUT, Wire, connect

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "protocol.md"

# ---------------------------------------------------------------- reading the doc

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


@dataclass
class Block:
    line: int
    info: list[str]
    frames: list[Any]

    @property
    def is_request(self) -> bool:
        return self.info[:2] == ["json", "request"]

    @property
    def attrs(self) -> dict[str, str]:
        return dict(t.split("=", 1) for t in self.info[2:] if "=" in t)

    @property
    def flags(self) -> set[str]:
        return {t for t in self.info[2:] if "=" not in t}


def json_values(text: str, line: int) -> list[Any]:
    """The JSON values of a block, one after the other."""
    decoder = json.JSONDecoder()
    values, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return values
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"docs/protocol.md line {line}: not JSON: {exc}") from None
        values.append(value)


def blocks() -> list[Block]:
    text = DOC.read_text()
    found = []
    for match in FENCE.finditer(text):
        info = match["info"].split()
        if not info or info[0] != "json":
            continue
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(line, info, json_values(match["body"], line)))
    return found


@dataclass
class Example:
    name: str
    line: int
    person: str
    request: dict[str, Any]
    answer: dict[str, Any] | None
    error: str | None  # the expected error code; None: a reply
    hello: bool
    states: dict[str, str]
    placeholders: set[str] = field(default_factory=set)


def examples() -> list[Example]:
    out = []
    for block in blocks():
        if not block.is_request:
            continue
        attrs = block.attrs
        assert "name" in attrs and "as" in attrs, f"line {block.line}: a request block needs name= and as="
        requests = [f for f in block.frames if "op" in f]
        answers = {f.get("id"): f for f in block.frames if f.get("type") in ("reply", "error")}
        assert requests, f"line {block.line}: a request block without a request"
        unpaired = set(answers) - {r.get("id") for r in requests}
        assert not unpaired, f"line {block.line}: answers to no request of the block: {unpaired}"
        # events shown after the answer are about the same world
        others = [f for f in block.frames if "op" not in f and f.get("type") not in ("reply", "error")]
        around = set(PLACEHOLDER.findall(json.dumps(others)))
        for request in requests:
            answer = answers.get(request.get("id"))
            code = answer.get("code") if answer else attrs.get("error")
            if answer is not None and answer["type"] == "reply":
                code = None
            name = attrs["name"] if len(requests) == 1 else f"{attrs['name']}/{request['id']}"
            states = {k: v for k, v in attrs.items() if k.startswith("R-")}
            mentioned = set(PLACEHOLDER.findall(json.dumps([request, answer]))) | around | set(states)
            out.append(Example(
                name=name, line=block.line, person=attrs["as"], request=request, answer=answer,
                error=code, hello="nohello" not in block.flags,
                states=states, placeholders=mentioned,
            ))
    names = [e.name for e in out]
    assert len(names) == len(set(names)), f"request examples share a name: {sorted(names)}"
    return out


def answer_frames() -> list[tuple[str, Any, str | None]]:
    """Every frame the doc shows the hub sending: (test id, frame, the op it answers)."""
    out = []
    for block in blocks():
        ops = {f.get("id"): f.get("op") for f in block.frames if "op" in f}
        for i, frame in enumerate(block.frames):
            if "op" in frame:
                continue
            op = ops.get(frame.get("id")) if frame.get("type") in ("reply", "error") else None
            label = frame.get("name") or frame.get("code") or op or ""
            out.append((f"line{block.line}.{i}:{frame.get('type')}:{label}", frame, op))
    return out


# ---------------------------------------------------------------- the example world

PLACEHOLDER = re.compile(r"\b(?:R-(?:7F3K2Q|JWXT8X|QP3N2K|P9P9P9|A5A5A5)|L-3F9K2M7Q1Z)\b")
LINK = "L-3F9K2M7Q1Z"  # the link of R-QP3N2K

PEOPLE: dict[str, dict[str, Any]] = {
    "P-DANA01": dict(name="Dana Cole", brokerage="Lone Star Realty", city="Austin", zips=["78701"],
                     sponsor_zips=["78704"], rank_score=92.0, specializations=["residential", "luxury"],
                     languages=["English", "Spanish"], years_experience=9),
    "P-ELI001": dict(name="Eli Moss", brokerage="Hill Country Homes", city="Austin",
                     sponsor_zips=["78701"], rank_score=80.0, specializations=["residential"],
                     languages=["English"], years_experience=4),
    "P-RITA01": dict(name="Rita Alvarez", brokerage="Mile High Realty", city="Denver", zips=["80202"],
                     rank_score=70.0, specializations=["residential", "relocation"],
                     languages=["English", "Spanish"], years_experience=12),
    "P-OMAR01": dict(name="Omar Reyes", brokerage="Empire Brokers", city="New York", zips=["10001"],
                     rank_score=60.0, years_experience=2),
    "P-DESK01": dict(name="Routing Desk", roles=["concierge"]),
    "P-PAT001": dict(name="Pat Lee", roles=["partner"]),
    "P-VIC001": dict(name="Victor Hale", roles=["vendor"]),
}

APPOINTMENT = dict(kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
                   phone="512-555-0100", street="12 Rainey St", city="Austin", state="TX", zip="78701",
                   lead_type="home valuation", appointment_at="2026-11-24T15:00:00Z")
AGENT = dict(kind="agent", first_name="Zoe", last_name="Quinn", email="zoe@example.com",
             phone="303-555-0101", street="9 Elm St", city="Denver", state="CO", zip="80202",
             price_min=300000, price_max=450000, timeframe="3 months", intent="buy",
             notes="pre-approved")
OPEN_AGENT = dict(kind="agent", first_name="Ivy", last_name="Chen", email="ivy@example.com",
                  phone="303-555-0177", city="Denver", state="CO", zip="80202", intent="sell",
                  timeframe="this spring", mode="open")
PARTNER = dict(kind="partner", program="PRG-ACME", company="Initech", contact_person="Bill Lumbergh",
               contact_email="bill@initech.example", contact_phone="512-555-0199",
               title="VP Operations", website="https://initech.example",
               notes="200 seats, renewing in March")
ACTIVE = dict(kind="active", first_name="Eva", last_name="Lang", email="eva@example.com",
              phone="512-555-0142", street="8 Congress Ave", city="Austin", state="TX", zip="78701",
              intent="sell")

DEFAULT_STATE = {"R-7F3K2Q": "offered", "R-JWXT8X": "new", "R-QP3N2K": "new",
                 "R-P9P9P9": "pending", "R-A5A5A5": "new"}


class World:
    """The doc's people on a fresh hub, and the example referrals built as an example needs."""

    def __init__(self, hub: Hub, clock: StepClock, wires: list[Wire]) -> None:
        self.hub, self.clock, self.wires = hub, clock, wires
        self.tokens: dict[str, str] = {}
        self._wires: dict[str, Wire] = {}
        self.ids: dict[str, str] = {}  # placeholder -> the real id or link

    async def people(self) -> None:
        for person_id, fields in PEOPLE.items():
            _, self.tokens[person_id] = await self.hub.add_person(person_id=person_id, **fields)
        await self.hub.add_program("PRG-ACME", "Acme CRM partner program", "P-VIC001",
                                   fee_type="intro", fee_amount=500.0)
        async with self.hub.db.write_lock, self.hub.db.write_session() as session:
            session.add(NetworkGroup(id="NET-DANA01", name="Austin circle", owner_id="P-DANA01"))
            await session.flush()
            session.add(GroupMember(group_id="NET-DANA01", person_id="P-ELI001"))
            session.add(AreaWindow(area="100", claim_window_seconds=1200))  # Manhattan: 20 minutes

    async def wire(self, person_id: str) -> Wire:
        if person_id not in self._wires:
            label = person_id.removeprefix("P-").lower()
            self._wires[person_id] = await connect(self.hub, self.tokens[person_id], self.wires, label)
        return self._wires[person_id]

    async def ok(self, person_id: str, op: str, **args: Any) -> Any:
        return await (await self.wire(person_id)).ok(op, **args)

    async def submit(self, person_id: str, data: dict[str, Any]) -> str:
        return (await self.ok(person_id, "submit", referral=data))["referral"]["id"]

    async def time_out(self, ref_id: str, agent_id: str) -> None:
        """Let the claim window of `agent_id`'s open offer pass, and the hub move the offer on."""
        held = {o.id for o in await offer_rows(self.hub, ref_id)
                if o.agent_id == agent_id and o.state == "open"}
        assert held, f"{agent_id} holds no open offer of {ref_id}"
        self.clock.advance(self.hub.settings.claim_window_seconds + 1)
        await self.hub.expire_overdue()  # (the hub's own clock may have done it first)
        states = {o.id: o.state for o in await offer_rows(self.hub, ref_id)}
        assert all(states[i] == "expired" for i in held), states

    async def build(self, placeholder: str, state: str) -> None:
        builder = getattr(self, "_" + placeholder.replace("-", "_"))
        await builder(state)

    async def _R_7F3K2Q(self, state: str) -> None:
        """An appointment in 78701 by the Routing Desk: ranked first for Dana (rank 92), then Eli."""
        states = ("offered", "awarded", "expired", "open", "won_by_eli", "unclaimed")
        assert state in states, f"R-7F3K2Q has no state {state!r}: {states}"
        ref = self.ids["R-7F3K2Q"] = await self.submit("P-DESK01", APPOINTMENT)
        if state == "awarded":
            await self.ok("P-DANA01", "claim", id=ref)
        if state in ("expired", "open", "won_by_eli", "unclaimed"):
            await self.time_out(ref, "P-DANA01")  # Dana's turn passes; Eli is offered it
        if state in ("open", "unclaimed"):
            await self.ok("P-ELI001", "pass", id=ref, reason="fully booked")  # open: Dana only
        if state == "unclaimed":
            await self.time_out(ref, "P-DANA01")  # no one claimed the open round: back to the desk
        if state == "won_by_eli":
            await self.time_out(ref, "P-ELI001")  # the rank list is exhausted: open to both
            await self.ok("P-ELI001", "claim", id=ref)

    async def _R_JWXT8X(self, state: str) -> None:
        """Dana's agent referral of Zoe Quinn (Denver) to Rita Alvarez, sent privately."""
        states = ("draft", "new", "accepted", "pending", "signed_by_sender", "awarded")
        assert state in states, f"R-JWXT8X has no state {state!r}: {states}"
        if state == "draft":
            self.ids["R-JWXT8X"] = await self.submit("P-DANA01", {**AGENT, "send": False})
            return
        ref = self.ids["R-JWXT8X"] = await self.submit(
            "P-DANA01", {**AGENT, "mode": "private", "receivers": ["P-RITA01"]})
        steps = states.index(state)
        if steps >= states.index("accepted"):
            await self.ok("P-RITA01", "interest", id=ref)
        if steps >= states.index("pending"):
            await self.ok("P-DANA01", "pick", id=ref, receiver="P-RITA01")
        if steps >= states.index("signed_by_sender"):
            await self.ok("P-DANA01", "sign", id=ref, fee_percent=25)
        if steps >= states.index("awarded"):
            await self.ok("P-RITA01", "sign", id=ref, fee_percent=25)

    async def _R_QP3N2K(self, state: str) -> None:
        """Dana's open referral of Ivy Chen (Denver): every agent of 80202, and its link."""
        assert state == "new", f"R-QP3N2K has no state {state!r}: ('new',)"
        view = (await self.ok("P-DANA01", "submit", referral=OPEN_AGENT))["referral"]
        self.ids["R-QP3N2K"], self.ids[LINK] = view["id"], view["link"]

    async def _R_P9P9P9(self, state: str) -> None:
        """Pat Lee's partner referral of Initech to Victor Hale's program PRG-ACME (intro fee)."""
        assert state in ("pending", "accepted"), f"R-P9P9P9 has no state {state!r}"
        ref = self.ids["R-P9P9P9"] = await self.submit("P-PAT001", PARTNER)
        if state == "accepted":
            await self.ok("P-VIC001", "accept", id=ref)

    async def _R_A5A5A5(self, state: str) -> None:
        """The Routing Desk's active lead Eva Lang in 78701 (Eli sponsors 78701; Dana serves it)."""
        assert state == "new", f"R-A5A5A5 has no state {state!r}: ('new',)"
        self.ids["R-A5A5A5"] = await self.submit("P-DESK01", ACTIVE)


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every placeholder replaced by the id the world gave it."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ids.get(m[0], m[0]), value)
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {substitute(k, ids): substitute(v, ids) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- comparing answers

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?")
ID_SHAPES = (re.compile(r"R-[2-9A-HJ-NP-Z]{6}"), re.compile(r"L-[2-9A-HJ-NP-Z]{10}"),
             re.compile(r"INV-[2-9A-HJ-NP-Z]{6}"), re.compile(r"PRG-[2-9A-HJ-NP-Z]{6}"),
             re.compile(r"NET-[2-9A-HJ-NP-Z]{6}"))
WIRE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def time_style(text: str) -> str | None:
    """How a time is written ("Z", "+00:00", ...), or None when `text` is not a time."""
    match = TIME.fullmatch(text)
    return None if match is None else (match[1] or "local")


def mismatches(example: Any, actual: Any, path: str = "$") -> list[str]:
    """Where the hub's answer differs from the example, by the rules of this module's docstring."""
    if example == "...":
        return []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: the example has an object, the hub {actual!r}"]
        out = []
        for key, value in example.items():
            if key == "...":
                continue
            if key not in actual:
                out.append(f"{path}.{key}: in the example, not in the hub's answer")
            else:
                out += mismatches(value, actual[key], f"{path}.{key}")
        return out
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: the example has a list, the hub {actual!r}"]
        items = [e for e in example if e != "..."]
        if not items and "..." not in example and actual:
            return [f"{path}: the example's list is empty, the hub's has {len(actual)} items"]
        out = []
        for i, item in enumerate(items):
            if not any(not mismatches(item, candidate) for candidate in actual):
                near = mismatches(item, actual[0], f"{path}[{i}]") if actual else ["(none)"]
                out.append(f"{path}[{i}]: no item of the hub's list matches {item!r}; "
                           f"against the first: {near[:3]}")
        return out
    if isinstance(example, bool) or example is None:
        return [] if example == actual else [f"{path}: example {example!r}, hub {actual!r}"]
    if isinstance(example, (int, float)):
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        return [] if ok else [f"{path}: example a number, hub {actual!r}"]
    if isinstance(example, str):
        if not isinstance(actual, str):
            return [f"{path}: example {example!r}, hub {actual!r}"]
        if example == actual:
            return []
        style = time_style(example)
        if style is not None:
            if time_style(actual) == style:
                return []
            return [f"{path}: the example writes a time as {example!r}, the hub as {actual!r}"]
        for shape in ID_SHAPES:
            if shape.fullmatch(example) and shape.fullmatch(actual):
                return []
        return [f"{path}: example {example!r}, hub {actual!r}"]
    return [f"{path}: cannot compare {example!r}"]


# ---------------------------------------------------------------- the answer structs

EVENT_DATA = {
    protocol.EVENT_UPSERT: protocol.ReferralView,
    protocol.EVENT_REMOVED: protocol.RemovedData,
    protocol.EVENT_MESSAGE: protocol.MessageView,
    protocol.EVENT_TEAM: protocol.TeamChanged,
}


def result_type(op: str) -> Any:
    """The struct `op` answers with, from its handler's return annotation."""
    if op == "hello":
        return protocol.HelloResult
    handler = OPERATIONS[op].handler
    name = handler.__annotations__["return"]
    return getattr(protocol, name) if isinstance(name, str) else name


def shape_errors(value: Any, type_info: Any, path: str = "$") -> list[str]:
    """Where an example value does not fit a struct (unknown keys, missing required fields,
    wrong types); `"..."` stands for what is left out."""
    mi = msgspec.inspect
    if value == "...":
        return []
    if isinstance(type_info, mi.StructType):
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({type_info.cls.__name__}), got {value!r}"]
        fields = {f.encode_name: f for f in type_info.fields}
        out = [f"{path}.{k}: {type_info.cls.__name__} has no field {k!r}"
               for k in value if k != "..." and k not in fields]
        if "..." not in value:
            out += [f"{path}: {type_info.cls.__name__} needs {f.encode_name!r}"
                    for f in type_info.fields if f.required and f.encode_name not in value]
        for key, item in value.items():
            if key in fields:
                out += shape_errors(item, fields[key].type, f"{path}.{key}")
        return out
    if isinstance(type_info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        return [e for i, item in enumerate(value)
                for e in shape_errors(item, type_info.item_type, f"{path}[{i}]")]
    if isinstance(type_info, mi.DictType):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        return [e for k, item in value.items() for e in shape_errors(item, type_info.value_type, f"{path}.{k}")]
    if isinstance(type_info, mi.UnionType):
        tries = [shape_errors(value, t, path) for t in type_info.types]
        return [] if any(not t for t in tries) else min(tries, key=len)
    if isinstance(type_info, mi.NoneType):
        return [] if value is None else [f"{path}: expected null, got {value!r}"]
    if isinstance(type_info, mi.AnyType):
        return []
    # scalars, enums, literals, datetimes: convert the value to the field's type
    try:
        msgspec.convert(value, _python_type(type_info))
    except (msgspec.ValidationError, TypeError) as exc:
        return [f"{path}: {value!r} does not fit: {exc}"]
    if isinstance(type_info, mi.DateTimeType) and not WIRE_TIME.fullmatch(value):
        return [f"{path}: {value!r} is not written as the hub writes times (...Z)"]
    return []


def _python_type(type_info: Any) -> Any:
    mi = msgspec.inspect
    simple = {mi.IntType: int, mi.FloatType: float, mi.StrType: str, mi.BoolType: bool,
              mi.DateTimeType: datetime}
    for cls, py in simple.items():
        if isinstance(type_info, cls):
            return float | int if py is float else py
    if isinstance(type_info, mi.EnumType):
        return type_info.cls
    if isinstance(type_info, mi.LiteralType):
        from typing import Literal
        return Literal[tuple(type_info.values)]  # type: ignore[valid-type]
    return Any


def info_of(struct: Any) -> Any:
    return msgspec.inspect.type_info(struct)


def frame_shape_errors(frame: dict[str, Any], op: str | None) -> list[str]:
    kind = frame.get("type")
    if kind == "reply":
        assert op is not None, "a reply example must follow its request in a request block"
        extra = [f"$.{k}: a reply has no {k!r}" for k in frame if k not in ("type", "id", "result")]
        return extra + shape_errors(frame.get("result"), info_of(result_type(op)), "$.result")
    if kind == "error":
        extra = [f"$.{k}: an error has no {k!r}" for k in frame
                 if k not in ("type", "id", "code", "message", "details")]
        codes = {c.value for c in ErrorCode}
        bad = [] if frame.get("code") in codes else [f"$.code: no error code {frame.get('code')!r}"]
        return extra + bad + ([] if "message" in frame else ["$: an error has a message"])
    if kind == "event":
        data = EVENT_DATA.get(frame.get("name"))
        if data is None:
            return [f"$.name: no event {frame.get('name')!r}"]
        head = shape_errors({k: v for k, v in frame.items() if k != "type"}, info_of(protocol.Event))
        return head + shape_errors(frame.get("data"), info_of(data), "$.data")
    if kind == "resync":
        return shape_errors({k: v for k, v in frame.items() if k != "type"}, info_of(protocol.Resync))
    return [f"$.type: {kind!r} is not a frame the hub sends"]


# ---------------------------------------------------------------- the intended behaviours

PENDING: dict[str, str] = {}  # examples of behaviour the hub does not have yet: none


class DocMismatch(AssertionError):
    """The hub answered otherwise than the doc says (and not: the example's world failed)."""


def _params() -> list[Any]:
    params = []
    for example in examples():
        marks = []
        if example.name in PENDING:
            # only a wrong answer is the expected failure; a world that fails to build is not
            marks.append(pytest.mark.xfail(strict=True, raises=DocMismatch, reason=PENDING[example.name]))
        params.append(pytest.param(example, id=example.name, marks=marks))
    return params


# ---------------------------------------------------------------- the tests


async def send_example(wire: Wire, frame: dict[str, Any]) -> dict[str, Any]:
    """Send an example frame as it is and wait for its answer."""
    request_id = frame.get("id")
    if isinstance(request_id, str):
        await wire.send_raw_request(json.dumps(frame), request_id)
        return await wire.answer(request_id, DEFAULT_TIMEOUT)
    await wire.send_raw(json.dumps(frame))
    return await wire.next_orphan(DEFAULT_TIMEOUT)


@pytest.mark.parametrize("example", _params())
async def test_request_example(
    example: Example, make_hub: Callable[..., Awaitable[Hub]], wires: list[Wire]
) -> None:
    clock = StepClock()
    hub = await make_hub(clock=clock)
    world = World(hub, clock, wires)
    await world.people()
    for placeholder in sorted(p for p in example.placeholders if p.startswith("R-")):
        await world.build(placeholder, example.states.get(placeholder, DEFAULT_STATE[placeholder]))
    if LINK in example.placeholders and "R-QP3N2K" not in world.ids:
        await world.build("R-QP3N2K", "new")
    hello = example.hello and example.request.get("op") != "hello"
    wire = await Wire.open(hub.url, world.tokens[example.person], label="example", hello=hello)
    wires.append(wire)

    answer = await send_example(wire, substitute(example.request, world.ids))

    where = f"docs/protocol.md line {example.line}, {example.name}"
    shown = json.dumps(answer)[:1500]
    if example.error is None and answer["type"] != "reply":
        raise DocMismatch(f"{where}: documented as a reply; the hub: {shown}")
    if example.error is not None and (answer["type"], answer.get("code")) != ("error", example.error):
        raise DocMismatch(f"{where}: documented as {example.error}; the hub: {shown}")
    if example.answer is not None:
        expected = substitute({k: v for k, v in example.answer.items() if k != "message"}, world.ids)
        wrong = mismatches(expected, answer)
        if wrong:
            raise DocMismatch(f"{where}: the answer differs from the example:\n  "
                              + "\n  ".join(wrong[:10]) + f"\nthe hub: {shown}")


@pytest.mark.parametrize("label,frame,op", [pytest.param(*f, id=f[0]) for f in answer_frames()])
def test_answer_example_fits_the_protocol(label: str, frame: Any, op: str | None) -> None:
    """Every frame the doc shows the hub sending has a real type, and only keys its struct has."""
    assert isinstance(frame, dict), f"{label}: not a frame: {frame!r}"
    wrong = frame_shape_errors(frame, op)
    assert not wrong, f"docs/protocol.md {label}:\n  " + "\n  ".join(wrong[:10])


@pytest.mark.parametrize("example", [pytest.param(e, id=e.name) for e in examples()])
def test_request_example_fits_the_protocol(example: Example) -> None:
    """A request documented as answered by a reply has valid args for its op."""
    if example.error in ("bad_frame", "bad_request", "unknown_op"):
        return
    request = msgspec.convert(example.request, protocol.Request)
    args_type = protocol.HelloArgs if request.op == "hello" else OPERATIONS[request.op].args
    protocol.decode_args(request.args, args_type)


def test_json_blocks_with_requests_are_marked() -> None:
    """A request example the test would not send is a request example nobody checks."""
    for block in blocks():
        if not block.is_request:
            unmarked = [f for f in block.frames if isinstance(f, dict) and "op" in f]
            assert not unmarked, f"docs/protocol.md line {block.line}: mark it ```json request"


def _table_first_cells(heading: str) -> list[str]:
    """The first column of the first table after `heading`, without backticks."""
    text = DOC.read_text()
    start = text.index(heading)
    rows, in_table = [], False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            cell = line.split("|")[1].strip()
            if cell and not set(cell) <= set("-: ") and cell not in ("op", "code", "action", "field"):
                rows.append(cell)
        elif in_table:
            break
    return rows


def _codes(cells: list[str]) -> set[str]:
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


def test_op_table_names_every_op_and_each_has_an_example() -> None:
    ops = {"hello", *OPERATIONS}
    documented = _codes(_table_first_cells("## Operations"))
    assert documented == ops, (f"in the op table, not in OPERATIONS: {sorted(documented - ops)}; "
                               f"in OPERATIONS, not in the table: {sorted(ops - documented)}")
    with_example = {e.request.get("op") for e in examples() if e.error is None}
    assert ops <= with_example, f"ops without an example answered by a reply: {sorted(ops - with_example)}"


def test_error_table_names_every_code() -> None:
    documented = _codes(_table_first_cells("### Error codes"))
    codes = {c.value for c in ErrorCode}
    assert documented == codes, (f"documented, not in ErrorCode: {sorted(documented - codes)}; "
                                 f"in ErrorCode, not documented: {sorted(codes - documented)}")


def test_referral_view_table_names_every_field() -> None:
    documented = _codes(_table_first_cells("### Every field"))
    fields = set(ReferralView.__struct_fields__)
    assert documented == fields, (f"documented, not in ReferralView: {sorted(documented - fields)}; "
                                  f"in ReferralView, not documented: {sorted(fields - documented)}")


AUDIT_CALL = re.compile(r"\.audit\(\s*[^,()]+,\s*[^,()]+,\s*\"([a-z_]+)\"")
MOVE_CALL = re.compile(r"\b_move\([^()]*\"([a-z_]+)\"\s*\)")
RECORD_CALL = re.compile(r"\bchanged\(\s*tx,\s*[^,]+,\s*[^,]+,\s*\"([a-z_]+)\"")  # team changes
VENDOR_ACTIONS = {"accept", "reject", "archive"}  # vendor_decision audits the op's own name


def test_audit_table_names_every_action_the_hub_writes() -> None:
    written = set(VENDOR_ACTIONS)
    for path in (ROOT / "server").rglob("*.py"):
        source = path.read_text()
        written |= set(AUDIT_CALL.findall(source)) | set(MOVE_CALL.findall(source))
        written |= set(RECORD_CALL.findall(source))
    documented = _codes(_table_first_cells("### Audit actions"))
    assert written <= documented, f"audit actions the hub writes, not documented: {sorted(written - documented)}"
    assert documented <= written, f"documented, never written: {sorted(documented - written)}"
