"""Status rules: which moves each kind of referral allows, and who may make them.

A pure table, used by the hub to refuse forbidden moves and by the terminal app to offer only the
moves a person may make now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.domain import Kind, Status


class Party(StrEnum):
    """A person's relation to one referral."""

    SENDER = "sender"  # the agent who sent it, or the concierge who created it
    RECEIVER = "receiver"  # the receiving agent (final receiver, or the agent who claimed)
    CANDIDATE = "candidate"  # an agent it was sent or offered to, not (yet) the receiver
    PARTNER = "partner"
    VENDOR = "vendor"
    CONCIERGE = "concierge"
    HUB = "hub"  # the hub itself: timeouts, claims


S = Status
P = Party

_OPEN_AGENT = (S.NEW, S.ACCEPTED, S.PENDING, S.AWARDED, S.WORKING, S.IN_ESCROW, S.FEE_SENT)

_AFTER_AWARD: dict[Status, dict[Status, frozenset[Party]]] = {
    S.AWARDED: {S.WORKING: frozenset({P.RECEIVER})},
    S.WORKING: {S.IN_ESCROW: frozenset({P.RECEIVER})},
    S.IN_ESCROW: {S.FEE_SENT: frozenset({P.RECEIVER})},
    S.FEE_SENT: {S.FEE_RECEIVED: frozenset({P.SENDER})},
    S.FEE_RECEIVED: {S.CLOSED: frozenset({P.SENDER})},
    S.CLOSED: {S.ARCHIVED: frozenset({P.SENDER, P.RECEIVER})},
    S.LOST: {S.ARCHIVED: frozenset({P.SENDER, P.RECEIVER})},
}


def _agent_table() -> dict[Status, dict[Status, frozenset[Party]]]:
    table: dict[Status, dict[Status, frozenset[Party]]] = {
        S.DRAFT: {S.NEW: frozenset({P.SENDER}), S.ARCHIVED: frozenset({P.SENDER})},
        S.NEW: {S.ACCEPTED: frozenset({P.CANDIDATE})},
        S.ACCEPTED: {S.PENDING: frozenset({P.SENDER})},
        S.PENDING: {S.AWARDED: frozenset({P.SENDER, P.RECEIVER})},
    }
    for status, moves in _AFTER_AWARD.items():
        table.setdefault(status, {}).update(moves)
    for status in _OPEN_AGENT:
        table.setdefault(status, {})[S.LOST] = frozenset({P.SENDER, P.RECEIVER})
    return table


def _appointment_table() -> dict[Status, dict[Status, frozenset[Party]]]:
    table: dict[Status, dict[Status, frozenset[Party]]] = {
        S.OFFERED: {S.AWARDED: frozenset({P.CANDIDATE}), S.UNCLAIMED: frozenset({P.HUB})},
        # the desk reopens it (offered again) or hands it to an agent (awarded)
        S.UNCLAIMED: {S.ARCHIVED: frozenset({P.SENDER}), S.OFFERED: frozenset({P.SENDER}),
                      S.AWARDED: frozenset({P.SENDER})},
    }
    for status, moves in _AFTER_AWARD.items():
        table.setdefault(status, {}).update(moves)
    for status in (S.AWARDED, S.WORKING, S.IN_ESCROW, S.FEE_SENT):
        table[status][S.LOST] = frozenset({P.SENDER, P.RECEIVER})
    return table


TRANSITIONS: dict[Kind, dict[Status, dict[Status, frozenset[Party]]]] = {
    Kind.AGENT: _agent_table(),
    Kind.APPOINTMENT: _appointment_table(),
    Kind.PARTNER: {
        S.PENDING: {
            S.ACCEPTED: frozenset({P.VENDOR}),
            S.REJECTED: frozenset({P.VENDOR}),
            S.ARCHIVED: frozenset({P.VENDOR}),
        },
        S.ACCEPTED: {S.ARCHIVED: frozenset({P.VENDOR})},
    },
    Kind.ACTIVE: {
        S.NEW: {S.WORKING: frozenset({P.CANDIDATE}), S.LOST: frozenset({P.SENDER})},
        S.WORKING: {
            S.LOST: frozenset({P.RECEIVER, P.SENDER}),
            S.CLOSED: frozenset({P.RECEIVER, P.SENDER}),
            S.ARCHIVED: frozenset({P.RECEIVER, P.SENDER}),
        },
        S.CLOSED: {S.ARCHIVED: frozenset({P.RECEIVER, P.SENDER})},
        S.LOST: {S.ARCHIVED: frozenset({P.RECEIVER, P.SENDER})},
    },
}

# Moves that need a reason: a vendor's rejection of a partner referral.
REASON_REQUIRED: frozenset[tuple[Kind, Status]] = frozenset({(Kind.PARTNER, S.REJECTED)})

INITIAL_STATUS: dict[Kind, Status] = {
    Kind.AGENT: S.DRAFT,
    Kind.PARTNER: S.PENDING,
    Kind.APPOINTMENT: S.OFFERED,
    Kind.ACTIVE: S.NEW,
}

TERMINAL: frozenset[Status] = frozenset({S.ARCHIVED, S.REJECTED})


@dataclass(frozen=True)
class MoveRefused(Exception):
    """A move the lifecycle forbids, with everything a person needs to understand why."""

    kind: Kind
    current: Status
    wanted: Status
    allowed: tuple[Status, ...]

    def __str__(self) -> str:
        allowed = ", ".join(self.allowed) if self.allowed else "none"
        article = "an" if self.kind[0] in "aeiou" else "a"
        return (
            f"{article} {self.kind} referral cannot move from {self.current} to {self.wanted}; "
            f"allowed from {self.current}: {allowed}"
        )


def all_moves(kind: Kind, current: Status) -> tuple[Status, ...]:
    """Every status reachable from ``current`` by anyone."""
    return tuple(TRANSITIONS[kind].get(current, {}))


def allowed_moves(kind: Kind, current: Status, parties: frozenset[Party]) -> tuple[Status, ...]:
    """The statuses a person holding ``parties`` may move the referral to now."""
    moves = TRANSITIONS[kind].get(current, {})
    return tuple(to for to, who in moves.items() if who & parties)


def check_move(kind: Kind, current: Status, wanted: Status) -> None:
    """Raise MoveRefused unless the lifecycle allows ``current -> wanted`` for someone."""
    if wanted not in TRANSITIONS[kind].get(current, {}):
        raise MoveRefused(kind, current, wanted, all_moves(kind, current))


def may_move(kind: Kind, current: Status, wanted: Status, parties: frozenset[Party]) -> bool:
    return bool(TRANSITIONS[kind].get(current, {}).get(wanted, frozenset()) & parties)


def reason_required(kind: Kind, wanted: Status) -> bool:
    return (kind, wanted) in REASON_REQUIRED
