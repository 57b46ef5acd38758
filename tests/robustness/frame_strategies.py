"""Hypothesis strategies for what a hostile or broken client can send: JSON-ish frames, valid
requests with mutated fields, wrong types, unknown operations, random bytes and text, deep
nesting, and byte-level mutations of valid frames. Every frame stays under the hub's frame size
limit (a larger frame is closed with 1009 by design, not answered)."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import strategies as st

from server.operations.table import OPERATIONS

KNOWN_OPS = sorted(["hello", *OPERATIONS])
FIELD_NAMES = ["id", "to", "reason", "limit", "since", "client", "mode", "receivers", "receiver",
               "fee_percent", "body", "zip", "radius_miles", "link", "text", "changes", "referral",
               "paused", "timezone", "work_hours", "vacation_start", "vacation_end", "email",
               "offers", "messages", "scope", "what", "offset", "until", "kind", "status"]
STATUSES = ["draft", "new", "accepted", "pending", "awarded", "working", "in_escrow", "fee_sent",
            "fee_received", "closed", "lost", "archived", "offered", "unclaimed", "rejected"]
LIMIT = 60_000  # bytes; the hub's limit is 64 KiB

scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
    | st.sampled_from(STATUSES) | st.sampled_from(["", "R-0", "P-0", "2026-11-23T10:00:00Z",
                                                    "25:99-00:00", "Mars/Olympus", "\x00", "💥"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


def ids(known: list[str]) -> st.SearchStrategy[Any]:
    return st.sampled_from(known) | json_values


def args_for(known_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments with real field names, sometimes with the right kind of value."""
    value = ids(known_ids) | json_values
    return st.dictionaries(st.sampled_from(FIELD_NAMES), value, max_size=5)


def requests(known_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Request-shaped objects: known or unknown op, fields missing, extra or of the wrong type."""
    op = st.sampled_from(KNOWN_OPS) | st.text(max_size=20) | json_values
    request_id = st.text(min_size=1, max_size=12) | json_values
    base = st.fixed_dictionaries(
        {"id": request_id, "op": op, "args": args_for(known_ids) | json_values},
        optional={"extra": json_values, "type": json_values},
    )
    return base | st.dictionaries(st.sampled_from(["id", "op", "args"]), json_values, max_size=3)


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "dict":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"id":"deep","op":"inbox","args":' + '{"a":' * depth + "1" + "}" * depth + "}"


INSERTS = [*'{}[]":,\\0e-.', "null", "\\ud800", '"id":', '"op":"inbox"', "[" * 50]


def mutated(frame: str | bytes, rng: random.Random) -> str | bytes:
    """A frame with a few characters (or bytes) flipped, cut, duplicated, inserted or truncated;
    cheap, so that each generated frame can be sent in many variants."""
    if isinstance(frame, bytes):
        data = bytearray(frame or b"\x00")
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    chars = list(frame)
    for _ in range(rng.randint(1, 4)):
        if not chars:
            break
        at = rng.randrange(len(chars))
        how = rng.choice(["flip", "cut", "dup", "insert", "truncate"])
        if how == "flip":
            chars[at] = chr(rng.randrange(0x2FF))
        elif how == "cut":
            del chars[at]
        elif how == "dup":
            chars.insert(at, chars[at])
        elif how == "insert":
            chars.insert(at, rng.choice(INSERTS))
        else:
            del chars[at:]
    return "".join(chars)


@st.composite
def frames(draw: st.DrawFn, known_ids: list[str]) -> str | bytes:
    """One frame as sent on the wire: text (JSON or not) or binary."""
    kind = draw(st.sampled_from(
        ["request", "request", "request", "valid_mutated", "json", "text", "bytes", "nested"]
    ))
    if kind == "request":
        text = json.dumps(draw(requests(known_ids)))
    elif kind == "valid_mutated":
        op = draw(st.sampled_from(KNOWN_OPS))
        frame = {"id": "m1", "op": op, "args": {"id": draw(st.sampled_from(known_ids))}}
        text = mutated(json.dumps(frame), draw(st.randoms(use_true_random=False)))
    elif kind == "json":
        text = json.dumps(draw(json_values))
    elif kind == "text":
        text = draw(st.text(max_size=200))
    elif kind == "bytes":
        return draw(st.binary(max_size=300))
    else:
        depth = draw(st.sampled_from([10, 100, 1000, 5000, 9000]))
        text = nested(depth, draw(st.sampled_from(["list", "dict", "args"])))
    return text if len(text.encode()) < LIMIT else text[: LIMIT // 4]
