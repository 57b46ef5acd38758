"""Bulk rows for the benchmarks: agents with tokens, referrals, offers. Written straight into the
hub's database with multi-row inserts (the protocol would take minutes for 100,000 rows), so the
rows must be exactly what the hub itself would store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert

from server.hub import Hub
from server.storage.models import AgentZip, Offer, Person, PersonRole, Referral, Token
from server.storage.people import TOKEN_PREFIX, hash_token, new_token
from shared.domain import Kind, OfferPhase, OfferState, Status

BATCH = 5000


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


async def bulk(hub: Hub, model: type, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` of `model` in batches, in one write transaction."""
    async with hub.db.write_lock, hub.db.write_session() as session:
        for start in range(0, len(rows), BATCH):
            await session.execute(insert(model), list(rows[start : start + BATCH]))


async def agents(
    hub: Hub, count: int, zip_code: str, *, prefix: str = "A", roles: Sequence[str] = ("agent",)
) -> list[tuple[str, str]]:
    """`count` agents serving `zip_code`, each with a token; their (person id, token)."""
    now = utc_now()
    people, held, zips, tokens, out = [], [], [], [], []
    for i in range(count):
        pid = f"P-{prefix}{i:06d}"
        token = new_token()
        people.append(
            dict(
                id=pid, name=f"Bench {prefix} {i}", brokerage="Bench Realty", city="",
                rank_score=float(count - i), paused=False, timezone="UTC", last_seq=0, created_at=now,
                specializations="", languages="", years_experience=3,
            )
        )
        held.extend(dict(person_id=pid, role=role) for role in roles)
        zips.append(dict(person_id=pid, zip=zip_code, sponsor=False))
        tokens.append(
            dict(person_id=pid, token_hash=hash_token(token), prefix=token[: len(TOKEN_PREFIX) + 4],
                 created_at=now)
        )
        out.append((pid, token))
    await bulk(hub, Person, people)
    await bulk(hub, PersonRole, held)
    await bulk(hub, AgentZip, zips)
    await bulk(hub, Token, tokens)
    return out


def referral_row(ref_id: str, kind: Kind, status: Status, sender_id: str, zip_code: str,
                 now: datetime, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(
        id=ref_id, kind=kind.value, status=status.value, mode=None, sender_id=sender_id,
        receiver_id=None, program_id=None, first_name="Carla", last_name="Diaz",
        email="carla@example.com", phone="512-555-0100", street="12 Rainey St", city="Austin",
        state="TX", zip=zip_code, price_min=None, price_max=None, timeframe="", intent="", notes="",
        lead_type="home valuation" if kind == Kind.APPOINTMENT else "", appointment_at=None,
        company="", contact_person="", contact_email="", contact_phone="", title="", website="",
        duplicate_of="", duplicate_reason="", link=None,
        fee_percent=25.0 if kind == Kind.AGENT else None, claim_window_seconds=None,
        created_at=now, updated_at=now, awarded_at=None,
    )
    row.update(extra)
    return row


def offer_row(ref_id: str, agent_id: str, phase: OfferPhase, state: OfferState,
              offered_at: datetime, window: timedelta) -> dict[str, Any]:
    closed = None if state == OfferState.OPEN else offered_at + window
    return dict(
        referral_id=ref_id, agent_id=agent_id, phase=phase.value, state=state.value,
        offered_at=offered_at, deadline=offered_at + window, closed_at=closed, why="bench",
    )


async def referrals(hub: Hub, rows: Sequence[dict[str, Any]]) -> None:
    await bulk(hub, Referral, rows)


async def offers(hub: Hub, rows: Sequence[dict[str, Any]]) -> None:
    await bulk(hub, Offer, rows)
