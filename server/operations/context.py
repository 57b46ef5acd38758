"""What an operation receives: the person asking and the few hub services operations use.

Operations never see the hub itself. `Services` is the narrow door the hub implements (storage
reads, the write transaction, the clock, settings, the award book, the agent directory, and a
nudge to offer waiting appointments); `OpContext` is one request's view of it.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.events.awards import AwardBook
from server.events.transaction import Tx
from server.routing.directory import Directory
from server.settings import HubSettings

if TYPE_CHECKING:
    from server.storage.models import Person


class Services(Protocol):
    """The hub's services that operations use."""

    settings: HubSettings
    awards: AwardBook
    directory: Directory

    def now(self) -> datetime: ...

    def writer_busy(self) -> bool:
        """A write transaction holds the writer now (a new one would wait)."""
        ...

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session (never waits for a write)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction; its events are pushed after the commit."""
        ...

    async def resume_waiting(self) -> int:
        """Offer the appointments that wait for an available agent, if one is available now."""
        ...


@dataclass(frozen=True)
class OpContext:
    """One request: who asks, and the services to answer with."""

    services: Services
    person: Person

    @property
    def settings(self) -> HubSettings:
        return self.services.settings

    @property
    def awards(self) -> AwardBook:
        return self.services.awards

    @property
    def directory(self) -> Directory:
        return self.services.directory

    def now(self) -> datetime:
        return self.services.now()

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.services.read()

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        return self.services.transaction()

    async def resume_waiting(self) -> int:
        return await self.services.resume_waiting()
