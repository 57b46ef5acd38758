"""What an operation receives: the person asking and the few hub services operations use.

Operations never see the hub itself. `Services` is the narrow door the hub implements (storage
reads, the write transaction, the clock, settings, the award book, the agent directory, and a
nudge to offer waiting appointments); `OpContext` is one request's view of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from server.events.awards import AwardBook
from server.events.transaction import Tx
from server.routing.directory import Directory
from server.settings import HubSettings

if TYPE_CHECKING:
    from server.storage.models import Person

T = TypeVar("T")


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

    async def quick_read(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`read(session)` in a read transaction of its own that never waits for a write
        (`Database.quick_read`); for the short reads of requests."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction of its own; its events are pushed after the commit."""
        ...

    async def write(
        self, change: Callable[[Tx], Awaitable[Any]], key: str | None = None,
        refusal: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Any, Tx]:
        """Run `change` in a write transaction it may share with other writes waiting at the
        same time (group commit); its result and the `Tx`, after the commit. `key` names what it
        changes: two writes of one key never share a transaction. `refusal` reads whether
        committed rows refuse it already; if so it is answered without waiting for the writer."""
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

    async def quick_read(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self.services.quick_read(read)

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        return self.services.transaction()

    async def write(
        self, change: Callable[[Tx], Awaitable[Any]], key: str | None = None,
        refusal: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Any, Tx]:
        return await self.services.write(change, key, refusal)

    async def resume_waiting(self) -> int:
        return await self.services.resume_waiting()
