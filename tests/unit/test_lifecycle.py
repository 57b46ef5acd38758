"""The status rules of docs/domain.md ("Status lifecycle"): which moves exist, who may make them, and how a refusal reads."""

from __future__ import annotations

import pytest

from shared.domain import Kind, Status
from shared.lifecycle import (
    INITIAL_STATUS,
    MoveRefused,
    Party,
    all_moves,
    allowed_moves,
    check_move,
    may_move,
    reason_required,
)

S, P = Status, Party

# (kind, from, to, a party that may make it, a party that may not)
ALLOWED = [
    (Kind.AGENT, S.DRAFT, S.NEW, P.SENDER, P.RECEIVER),
    (Kind.AGENT, S.DRAFT, S.ARCHIVED, P.SENDER, P.CANDIDATE),
    (Kind.AGENT, S.NEW, S.ACCEPTED, P.CANDIDATE, P.SENDER),
    (Kind.AGENT, S.ACCEPTED, S.PENDING, P.SENDER, P.CANDIDATE),
    (Kind.AGENT, S.PENDING, S.AWARDED, P.RECEIVER, P.CANDIDATE),
    (Kind.AGENT, S.AWARDED, S.WORKING, P.RECEIVER, P.SENDER),
    (Kind.AGENT, S.WORKING, S.IN_ESCROW, P.RECEIVER, P.SENDER),
    (Kind.AGENT, S.IN_ESCROW, S.FEE_SENT, P.RECEIVER, P.SENDER),
    (Kind.AGENT, S.FEE_SENT, S.FEE_RECEIVED, P.SENDER, P.RECEIVER),
    (Kind.AGENT, S.FEE_RECEIVED, S.CLOSED, P.SENDER, P.RECEIVER),
    (Kind.AGENT, S.CLOSED, S.ARCHIVED, P.RECEIVER, P.CANDIDATE),
    (Kind.AGENT, S.WORKING, S.LOST, P.RECEIVER, P.CANDIDATE),
    (Kind.AGENT, S.NEW, S.LOST, P.SENDER, P.CANDIDATE),
    (Kind.AGENT, S.LOST, S.ARCHIVED, P.SENDER, P.CANDIDATE),
    (Kind.PARTNER, S.PENDING, S.ACCEPTED, P.VENDOR, P.PARTNER),
    (Kind.PARTNER, S.PENDING, S.REJECTED, P.VENDOR, P.PARTNER),
    (Kind.PARTNER, S.PENDING, S.ARCHIVED, P.VENDOR, P.SENDER),
    (Kind.PARTNER, S.ACCEPTED, S.ARCHIVED, P.VENDOR, P.PARTNER),
    (Kind.APPOINTMENT, S.OFFERED, S.AWARDED, P.CANDIDATE, P.SENDER),
    (Kind.APPOINTMENT, S.OFFERED, S.UNCLAIMED, P.HUB, P.CANDIDATE),
    (Kind.APPOINTMENT, S.AWARDED, S.WORKING, P.RECEIVER, P.CONCIERGE),
    (Kind.APPOINTMENT, S.UNCLAIMED, S.ARCHIVED, P.SENDER, P.CANDIDATE),
    # the desk reopens an unclaimed appointment, or hands it to an agent
    (Kind.APPOINTMENT, S.UNCLAIMED, S.OFFERED, P.SENDER, P.CANDIDATE),
    (Kind.APPOINTMENT, S.UNCLAIMED, S.AWARDED, P.SENDER, P.RECEIVER),
    (Kind.ACTIVE, S.NEW, S.WORKING, P.CANDIDATE, P.RECEIVER),
    (Kind.ACTIVE, S.WORKING, S.CLOSED, P.RECEIVER, P.CANDIDATE),
    (Kind.ACTIVE, S.CLOSED, S.ARCHIVED, P.SENDER, P.CANDIDATE),
]

FORBIDDEN = [
    (Kind.AGENT, S.DRAFT, S.AWARDED),
    (Kind.AGENT, S.NEW, S.CLOSED),
    (Kind.AGENT, S.WORKING, S.FEE_RECEIVED),
    (Kind.AGENT, S.CLOSED, S.LOST),  # lost only from an open status
    (Kind.AGENT, S.ARCHIVED, S.NEW),  # archived is read-only
    (Kind.AGENT, S.FEE_RECEIVED, S.LOST),
    (Kind.PARTNER, S.PENDING, S.CLOSED),
    (Kind.PARTNER, S.REJECTED, S.ACCEPTED),
    (Kind.PARTNER, S.ARCHIVED, S.PENDING),
    (Kind.PARTNER, S.ACCEPTED, S.REJECTED),
    (Kind.APPOINTMENT, S.OFFERED, S.WORKING),
    (Kind.APPOINTMENT, S.UNCLAIMED, S.WORKING),
    (Kind.ACTIVE, S.NEW, S.CLOSED),
    (Kind.ACTIVE, S.ARCHIVED, S.WORKING),
]


@pytest.mark.parametrize(("kind", "current", "wanted", "who", "not_who"), ALLOWED)
def test_allowed_move_only_for_its_parties(kind, current, wanted, who, not_who):
    check_move(kind, current, wanted)  # does not raise
    assert may_move(kind, current, wanted, frozenset({who}))
    assert not may_move(kind, current, wanted, frozenset({not_who}))
    assert wanted in allowed_moves(kind, current, frozenset({who}))
    assert wanted not in allowed_moves(kind, current, frozenset({not_who}))


@pytest.mark.parametrize(("kind", "current", "wanted"), FORBIDDEN)
def test_forbidden_move_is_refused_for_everyone(kind, current, wanted):
    with pytest.raises(MoveRefused) as info:
        check_move(kind, current, wanted)
    refused = info.value
    assert refused.current == current and refused.wanted == wanted
    assert refused.allowed == all_moves(kind, current)
    everyone = frozenset(Party)
    assert not may_move(kind, current, wanted, everyone)
    message = str(refused)
    assert str(current) in message and str(wanted) in message
    for status in refused.allowed:
        assert str(status) in message


def test_refusal_message_names_current_status_and_every_allowed_move():
    with pytest.raises(MoveRefused) as info:
        check_move(Kind.PARTNER, S.PENDING, S.CLOSED)
    message = str(info.value)
    assert "from pending" in message
    assert "allowed from pending: accepted, rejected, archived" in message


def test_refusal_from_a_terminal_status_says_none_allowed():
    with pytest.raises(MoveRefused) as info:
        check_move(Kind.PARTNER, S.REJECTED, S.ACCEPTED)
    assert info.value.allowed == ()
    assert "allowed from rejected: none" in str(info.value)


def test_archived_and_rejected_have_no_way_out():
    for kind in Kind:
        assert all_moves(kind, S.ARCHIVED) == ()
    assert all_moves(Kind.PARTNER, S.REJECTED) == ()


def test_lost_is_reachable_from_every_open_agent_status_and_no_closed_one():
    open_statuses = [S.NEW, S.ACCEPTED, S.PENDING, S.AWARDED, S.WORKING, S.IN_ESCROW, S.FEE_SENT]
    for status in open_statuses:
        assert S.LOST in all_moves(Kind.AGENT, status), status
    for status in (S.DRAFT, S.FEE_RECEIVED, S.CLOSED, S.ARCHIVED):
        assert S.LOST not in all_moves(Kind.AGENT, status), status


def test_partner_rejection_needs_a_reason_and_nothing_else_does():
    assert reason_required(Kind.PARTNER, S.REJECTED)
    assert not reason_required(Kind.PARTNER, S.ACCEPTED)
    assert not reason_required(Kind.PARTNER, S.ARCHIVED)
    assert not reason_required(Kind.AGENT, S.LOST)
    assert not reason_required(Kind.ACTIVE, S.LOST)


def test_initial_statuses():
    assert INITIAL_STATUS == {
        Kind.AGENT: S.DRAFT,
        Kind.PARTNER: S.PENDING,
        Kind.APPOINTMENT: S.OFFERED,
        Kind.ACTIVE: S.NEW,
    }


def test_sender_and_receiver_see_only_their_own_moves():
    both = frozenset({P.SENDER, P.RECEIVER})
    assert set(allowed_moves(Kind.AGENT, S.WORKING, frozenset({P.SENDER}))) == {S.LOST}
    assert set(allowed_moves(Kind.AGENT, S.WORKING, frozenset({P.RECEIVER}))) == {S.IN_ESCROW, S.LOST}
    assert set(allowed_moves(Kind.AGENT, S.FEE_SENT, both)) == {S.FEE_RECEIVED, S.LOST}
    assert allowed_moves(Kind.AGENT, S.FEE_SENT, frozenset({P.RECEIVER})) == (S.LOST,)
