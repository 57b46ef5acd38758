"""The referral lifecycle as the product states it (docs/domain.md, "Status lifecycle"),
written out again here rather than imported from `shared/lifecycle.py`: a test that read the
hub's own table would accept whatever that table says. `check_store` holds a hub's database to it;
the other functions are the reads of a hub's database the lifecycle model needs.

Each allowed move names who may make it, by their relation to the referral when the audit entry
was read: the sender (or the desk that created an appointment), its receiver (the agent who
claimed it or was picked), or someone else (a candidate expressing interest, the hub's clock)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select

from server.storage.database import Database
from server.storage.models import Audit, Offer, Referral
from shared.domain import OfferState
from tests.integration.privacy_sweep import objects_in

SENDER, RECEIVER, OTHER = "sender", "receiver", "other"
EITHER = frozenset({SENDER, RECEIVER})

_AFTER_AWARD = {
    ("awarded", "working"): {RECEIVER},
    ("working", "in_escrow"): {RECEIVER},
    ("in_escrow", "fee_sent"): {RECEIVER},
    ("fee_sent", "fee_received"): {SENDER},
    ("fee_received", "closed"): {SENDER},
    ("closed", "archived"): EITHER,
    ("lost", "archived"): EITHER,
}

MOVES: dict[str, dict[tuple[str | None, str], set[str] | frozenset[str]]] = {
    "agent": {
        (None, "draft"): {SENDER},
        ("draft", "new"): {SENDER},
        ("draft", "archived"): {SENDER},
        ("new", "accepted"): {RECEIVER, OTHER},  # a receiver's interest
        ("accepted", "pending"): {SENDER},  # the sender picks the final receiver
        ("pending", "awarded"): EITHER,  # the last of the two signatures
        **_AFTER_AWARD,
        **{(s, "lost"): EITHER for s in ("new", "accepted", "pending", "awarded", "working",
                                         "in_escrow", "fee_sent")},
    },
    "appointment": {
        (None, "offered"): {SENDER},
        ("offered", "awarded"): {RECEIVER},  # the claim
        ("offered", "unclaimed"): {OTHER},  # the hub, when no one claimed
        ("unclaimed", "archived"): {SENDER},
        **_AFTER_AWARD,
        **{(s, "lost"): EITHER for s in ("awarded", "working", "in_escrow", "fee_sent")},
    },
}


async def check_store(db: Database, kinds: dict[str, str]) -> None:
    """At most one winner per referral, and the winner is its receiver; every audited move is one
    of MOVES, made by someone allowed to, and the moves of each referral form one unbroken chain
    from its creation to its current status."""
    if not kinds:
        return
    ids = list(kinds)
    async with db.read() as session:
        winners: dict[str, list[str]] = defaultdict(list)
        for ref_id, agent_id in await session.execute(
            select(Offer.referral_id, Offer.agent_id)
            .where(Offer.referral_id.in_(ids), Offer.state == OfferState.CLAIMED)
        ):
            winners[ref_id].append(agent_id)
        refs = {r.id: r for r in (await session.execute(
            select(Referral).where(Referral.id.in_(ids)).execution_options(populate_existing=True)
        )).scalars()}
        rows = (await session.execute(
            select(Audit.referral_id, Audit.action, Audit.actor_id, Audit.from_status, Audit.to_status)
            .where(Audit.referral_id.in_(ids), Audit.to_status.is_not(None)).order_by(Audit.id)
        )).all()
    chains: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for ref_id, action, actor, before, after in rows:
        ref = refs[ref_id]
        party = SENDER if actor == ref.sender_id else RECEIVER if actor == ref.receiver_id else OTHER
        allowed = MOVES[kinds[ref_id]].get((before, after))
        assert allowed is not None, f"{ref_id} ({kinds[ref_id]}): {action} {before} -> {after} is no move"
        assert party in allowed, f"{ref_id}: {action} {before} -> {after} made by its {party}"
        chains[ref_id].append((before, after))
    for ref_id, ref in refs.items():
        assert len(winners[ref_id]) <= 1, f"{ref_id} won by {winners[ref_id]}"
        if winners[ref_id]:
            assert ref.receiver_id == winners[ref_id][0], f"{ref_id}: won by {winners[ref_id]}, " \
                                                         f"receiver {ref.receiver_id}"
        chain = chains[ref_id]
        assert chain and chain[0][0] is None, f"{ref_id}: no creation in the audit"
        for (_, after), (before, _) in pairwise(chain):
            assert before == after, f"{ref_id}: audit chain broken: {chain}"
        assert chain[-1][1] == ref.status, f"{ref_id}: status {ref.status}, audit ends at {chain[-1]}"


def views_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every referral view (an object with a `visibility`) anywhere in a decoded frame."""
    return (obj for obj in objects_in(value) if "visibility" in obj)


async def referral_row(db: Database, ref_id: str) -> Referral:
    async with db.read() as session:
        ref = await session.get(Referral, ref_id, populate_existing=True)
        assert ref is not None
        return ref


async def open_offers(db: Database, ref_ids: list[str]) -> dict[str, datetime]:
    """The referrals among `ref_ids` with an open offer, and the earliest deadline of each."""
    found: dict[str, datetime] = {}
    async with db.read() as session:
        for ref_id, deadline in await session.execute(
            select(Offer.referral_id, Offer.deadline)
            .where(Offer.referral_id.in_(ref_ids), Offer.state == OfferState.OPEN)
        ):
            found[ref_id] = min(deadline, found.get(ref_id, deadline))
    return found


async def holders(db: Database, ref_id: str) -> list[str]:
    """The agents holding an open offer of `ref_id`."""
    async with db.read() as session:
        return list((await session.execute(select(Offer.agent_id).where(
            Offer.referral_id == ref_id, Offer.state == OfferState.OPEN))).scalars())
