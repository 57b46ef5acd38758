"""The audit entry hash: the stored format of the audit chain (server/events/audit_chain.py).

The hash covers id, referral, actor, action, from and to status, reason and time, plus the
previous entry's hash (64 zeros before the first entry), encoded as compact JSON with sorted keys
and the time as UTC ISO 8601 with microseconds. The encoding is frozen: changing it would break
the verification of every chain already stored (migration 0005 chains older entries with it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def as_text(value: Any) -> str | None:
    """A status or other text field as plain text (enums by value)."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def canonical_at(value: datetime | str) -> str:
    """A stored time as UTC ISO 8601 with microseconds; a time without a zone is UTC (that is
    how SQLite stores them)."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def entry_hash(
    *,
    id: int,
    referral_id: str,
    actor_id: str,
    action: str,
    from_status: Any,
    to_status: Any,
    reason: str,
    at: datetime | str,
    prev_hash: str,
) -> str:
    """The SHA-256 (hex) of one entry's fields and the previous entry's hash."""
    payload = {
        "id": id,
        "referral_id": referral_id,
        "actor_id": actor_id,
        "action": action,
        "from_status": as_text(from_status),
        "to_status": as_text(to_status),
        "reason": reason or "",
        "at": canonical_at(at),
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
