"""Which claim window an appointment gets: its own, when its creator gave one; else its
program's; else its area's (a zip code or its first digits, the longest matching prefix
winning); else the hub's default."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import AreaWindow, Program


async def window_for(session: AsyncSession, zip_code: str, program: Program | None) -> int | None:
    """The window an appointment in `zip_code` (of `program`) gets when its creator gave none;
    None for the hub's default."""
    if program is not None and program.claim_window_seconds:
        return program.claim_window_seconds
    prefixes = [zip_code[:n] for n in range(len(zip_code), 0, -1)]
    rows = dict((await session.execute(
        select(AreaWindow.area, AreaWindow.claim_window_seconds).where(AreaWindow.area.in_(prefixes))
    )).all())
    return next((rows[p] for p in prefixes if p in rows), None)
