"""A team change: its audit entry, and its push after the commit to the desk (every concierge)
and to the people it concerns (the person changed, a program's vendor, a group's owner and
members), so their screens show it at once. It carries what the audit entry says, never a
client's contact."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from server.events.transaction import Tx
from server.storage.models import PersonRole
from shared.domain import Role
from shared.protocol import EVENT_TEAM, TeamChanged


async def changed(tx: Tx, actor_id: str, subject_id: str, action: str, reason: str,
                  concerned: Iterable[str] = ()) -> None:
    """Audit `action` on `subject_id` (person_..., program_..., network_..., window_...) and
    push it once the transaction commits."""
    tx.record(subject_id, actor_id, action, reason)
    desk = (await tx.session.execute(
        select(PersonRole.person_id).where(PersonRole.role == Role.CONCIERGE)
    )).scalars()
    people = sorted({*desk, *concerned})
    what = action.split("_", 1)[0]
    tx.notify(subject_id, people, EVENT_TEAM,
              TeamChanged(what=what, id=subject_id, action=action, reason=reason))  # type: ignore[arg-type]
