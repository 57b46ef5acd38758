"""`HubSession`: the app's one door to the hub.

Screens and widgets ask it (``await session.request("referral.get", id=...)``) and read what it
knows: the link's state, which hub it is on (of the one or several given, which share one
database), who we are, and the hub's time (the local clock corrected by the offset
measured at hello). The app runs it (``await session.run()`` is the body of its one hub worker)
and receives every message it posts. Nothing else touches the websocket: the `HubConnection`
behind it does, and only the session holds one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from textual.message import Message

from shared.protocol import ExportAuditRow, ExportResult, PersonView, ReferralResult, ReferralView
from shared.protocol.desk import DeskBoard
from shared.protocol.team import (
    AreaWindowView,
    NetworkResult,
    NetworksResult,
    NetworkView,
    PeopleResult,
    PersonChanges,
    PersonProfile,
    PersonResult,
    ProgramResult,
    ProgramsResult,
    ProgramTerms,
    ProgramView,
    WindowResult,
    WindowsResult,
)
from tui.clock import Clock, utc_now
from tui.hub.connection import Dial, HubConnection, connect
from tui.hub.messages import HelloReceived, LinkChanged, LinkState

Post = Callable[[Message], object]
SnapshotArgs = Callable[[], dict[str, Any]]


class HubSession:
    """One person's session with the hub: requests, the link's state, the hub's time."""

    def __init__(self, urls: str | Sequence[str], token: str, clock: Clock = utc_now, *,
                 dial: Dial = connect) -> None:
        self.clock = clock  # the local clock; tests inject a fixed or steppable one
        self.state: LinkState = "connecting"
        self.offset = timedelta(0)  # hub time minus local time, measured at hello
        self.person: PersonView | None = None  # who the hub says we are, once it said hello
        self._post: Post = lambda message: None
        self._connection = HubConnection(urls, token, self.receive, clock, dial=dial)

    def attach(self, post: Post, snapshot_args: SnapshotArgs | None = None) -> None:
        """Where the session's messages go (the app's `post_message`), and what a (re)connection
        asks the hub for as its inbox snapshot (the whole inbox, or the window shown)."""
        self._post = post
        if snapshot_args is not None:
            self._connection.snapshot_args = snapshot_args

    # ------------------------------------------------------------ what the session knows

    @property
    def urls(self) -> list[str]:
        """Every hub it may use, in the order it tries them."""
        return list(self._connection.urls)

    @property
    def url(self) -> str:
        """The hub in use, or being tried."""
        return self._connection.url

    @property
    def connected(self) -> bool:
        return self._connection.connected

    @property
    def person_id(self) -> str:
        return self.person.id if self.person is not None else ""

    @property
    def roles(self) -> list[str]:
        return [str(role) for role in self.person.roles] if self.person is not None else []

    @property
    def last_seq(self) -> int | None:
        """The last event the app has been told about (or the last snapshot's sequence)."""
        return self._connection.last_seq

    @property
    def rate_limit_per_minute(self) -> int:
        """The hub's request limit, as its hello said (0: none known); requests wait under it."""
        return self._connection.pacer.per_minute

    def hub_now(self) -> datetime:
        """The hub's time: the local clock corrected by the offset measured at hello."""
        return self.clock() + self.offset

    # ------------------------------------------------------------ what the session does

    async def request(self, op: str, **args: Any) -> Any:
        """Send one op and return its result; raise `HubError` on an error reply, or with
        `ErrorCode.OFFLINE` / `ErrorCode.TIMEOUT` when no answer can come."""
        return await self._connection.request(op, args)

    # ------------------------------------------------------------ the desk (concierge)

    async def desk_board(self) -> DeskBoard:
        return msgspec.convert(await self.request("desk.board"), DeskBoard)

    async def desk_reopen(self, referral_id: str) -> ReferralView:
        return msgspec.convert(await self.request("desk.reopen", id=referral_id), ReferralResult).referral

    async def desk_assign(self, referral_id: str, agent_id: str) -> ReferralView:
        raw = await self.request("desk.assign", id=referral_id, agent=agent_id)
        return msgspec.convert(raw, ReferralResult).referral

    async def team_people(self) -> list[PersonProfile]:
        return msgspec.convert(await self.request("team.people"), PeopleResult).people

    async def team_person_set(self, person_id: str, changes: PersonChanges) -> PersonProfile:
        raw = await self.request("team.person.set", id=person_id, changes=msgspec.to_builtins(changes))
        return msgspec.convert(raw, PersonResult).person

    async def team_programs(self) -> list[ProgramView]:
        return msgspec.convert(await self.request("team.programs"), ProgramsResult).programs

    async def team_program_add(self, terms: ProgramTerms) -> ProgramView:
        raw = await self.request("team.program.add", terms=msgspec.to_builtins(terms))
        return msgspec.convert(raw, ProgramResult).program

    async def team_program_set(self, program_id: str, terms: ProgramTerms) -> ProgramView:
        raw = await self.request("team.program.set", id=program_id, terms=msgspec.to_builtins(terms))
        return msgspec.convert(raw, ProgramResult).program

    async def team_networks(self) -> list[NetworkView]:
        return msgspec.convert(await self.request("team.networks"), NetworksResult).networks

    async def team_network_add(self, name: str, owner: str, members: list[str]) -> NetworkView:
        raw = await self.request("team.network.add", name=name, owner=owner, members=members)
        return msgspec.convert(raw, NetworkResult).network

    async def team_network_set(self, network_id: str, *, name: str, owner: str,
                               members: list[str]) -> NetworkView:
        raw = await self.request("team.network.set", id=network_id, name=name, owner=owner, members=members)
        return msgspec.convert(raw, NetworkResult).network

    async def team_windows(self) -> list[AreaWindowView]:
        return msgspec.convert(await self.request("team.windows"), WindowsResult).windows

    async def team_window_set(self, area: str, seconds: int | None) -> AreaWindowView | None:
        raw = await self.request("team.window.set", area=area, seconds=seconds)
        return msgspec.convert(raw, WindowResult).window

    async def latest_audit(self, rows: int) -> list[ExportAuditRow]:
        """The newest `rows` entries of the audit log, oldest first (two pages of `export`)."""
        total = msgspec.convert(await self.request("export", what="audit", limit=1), ExportResult).total
        raw = await self.request("export", what="audit", offset=max(0, total - rows), limit=rows)
        return msgspec.convert(raw, ExportResult).audit

    # ------------------------------------------------------------ running

    async def run(self) -> None:
        """Connect, sync and reconnect until cancelled: the body of the app's hub worker."""
        await self._connection.run()

    def reconnect_now(self) -> bool:
        """Try the hub again at once instead of waiting out the retry delay; False when online."""
        return self._connection.reconnect_now()

    def receive(self, message: Message) -> None:
        """Every message of the connection comes through here: the session keeps what it says
        about the link, then posts it to the app."""
        if isinstance(message, LinkChanged):
            self.state = message.state
        elif isinstance(message, HelloReceived):
            self.offset = message.offset
            self.person = message.person
        self._post(message)
