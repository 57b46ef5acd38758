"""Claim windows per area (a zip code or its first digits), set by the desk; which window an
appointment gets is `server/routing/claim_windows.py`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.events.transaction import Tx
from server.storage.models import AreaWindow
from server.team import checks
from server.team.pushes import changed
from shared.protocol.team import AreaWindowView


async def list_windows(session: AsyncSession) -> list[AreaWindowView]:
    rows = (await session.execute(select(AreaWindow).order_by(AreaWindow.area))).scalars()
    return [AreaWindowView(area=w.area, claim_window_seconds=w.claim_window_seconds) for w in rows]


async def set_window(tx: Tx, actor_id: str, area: str, seconds: int | None) -> AreaWindowView | None:
    """Set an area's window (None: the area goes back to the hub's default)."""
    prefix = checks.area(area)
    checks.window(seconds, field="seconds")
    row = await tx.session.get(AreaWindow, prefix, with_for_update={"key_share": True})
    before = f"{row.claim_window_seconds} s" if row else "the default"
    if seconds is None:
        if row is not None:
            await tx.session.delete(row)
            await changed(tx, actor_id, f"area:{prefix}", "window_set", f"claim window {before} -> the default")
        return None
    if row is None:
        row = AreaWindow(area=prefix, claim_window_seconds=seconds)
        tx.session.add(row)
    elif row.claim_window_seconds == seconds:
        return AreaWindowView(area=prefix, claim_window_seconds=seconds)
    row.claim_window_seconds = seconds
    await tx.session.flush()
    await changed(tx, actor_id, f"area:{prefix}", "window_set", f"claim window {before} -> {seconds} s")
    return AreaWindowView(area=prefix, claim_window_seconds=seconds)
