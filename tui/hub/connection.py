"""The hub connection: one websocket, kept alive, turned into Textual messages.

`HubConnection.run()` is the body of the app's one long-lived hub worker (through
`HubSession.run`). It connects with the bearer token, sends ``hello`` with the last event
sequence it applied, keeps the inbox in sync (snapshot plus buffered events, or a replay of
missed events), and posts a message for everything that happens.
``request()`` sends one op and returns its result, or raises `HubError` with the hub's stable
code and message (or `ErrorCode.OFFLINE` / `ErrorCode.TIMEOUT` when no answer can come).

**Failover.** It is given one hub or several that share one database (so a person's sequence
numbers are the same on each). When the connection drops or cannot be made, it tries the next
hub in the list at once, round robin from the one after the failed one; only after a whole
round of hubs failed does it wait (exponential backoff, reset by a hello that gets through).
Each hub is greeted with ``since`` = the last sequence applied, and replays what was missed.

**Gap repair.** Each person's sequence goes up by exactly one per event, so an event whose
``seq`` is more than one past the last applied means some were missed (another hub committed
them, and this one did not push them). The event is held, not applied, and the connection
says ``hello`` again on the same socket with ``since`` = the last applied: the hub answers a
second hello like the first, replaying every event after ``since`` in order and then going on
live (a ``resync`` when they are no longer kept, which refetches the inbox as ever). Held
events are applied as soon as the hole before them is filled; replayed ones already applied are
dropped as duplicates. This needs no change to the hub and fetches only what was missed, where
a new inbox snapshot would refetch everything (or, for a paged inbox, only the window shown).

Only `HubSession` uses this module; the rest of the app goes through the session.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from textual.message import Message
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared.protocol import (
    EVENT_MESSAGE,
    EVENT_REMOVED,
    EVENT_TEAM,
    EVENT_UPSERT,
    Error,
    ErrorCode,
    Event,
    HelloResult,
    HubError,
    InboxResult,
    MessageView,
    ReferralView,
    RemovedData,
    Reply,
    Request,
    Resync,
    TeamChanged,
    encoder,
    server_frame_decoder,
)
from shared.protocol.pacing import RequestPacer
from tui.clock import Clock, utc_now
from tui.hub.messages import (
    HelloReceived,
    InboxLoaded,
    LinkChanged,
    MessageReceived,
    ReferralRemoved,
    ReferralUpserted,
    TeamUpdated,
)

log = logging.getLogger(__name__)

CLIENT_NAME = "triage-tui"

Dial = Callable[..., Awaitable[ClientConnection]]  # websockets' `connect`, or a test's fake


class TokenRefused(Exception):
    """The hub answered the handshake with 401."""


def backoff_delay(attempt: int, cap: float = 30.0, jitter: Callable[[], float] = random.random) -> float:
    """1, 2, 4, ... seconds up to ``cap``, each spread by +-20 % so clients do not stampede."""
    base = min(cap, 2.0 ** max(0, attempt))
    return max(0.5, base * (0.8 + 0.4 * jitter()))


class HubConnection:
    """One person's connection to a hub (one of several, in turn). Knows nothing of widgets: it
    only posts messages."""

    def __init__(
        self,
        urls: str | Sequence[str],
        token: str,
        post: Callable[[Message], object],
        clock: Clock = utc_now,
        *,
        backoff_cap: float = 30.0,
        refused_delay: float = 60.0,
        request_timeout: float = 20.0,
        dial: Dial = connect,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        if not self.urls:
            raise ValueError("no hub URL")
        self._at = 0  # which of `urls` is in use, or being tried
        self.token = token
        self.post = post
        self.clock = clock
        self.backoff_cap = backoff_cap
        self.refused_delay = refused_delay
        self.request_timeout = request_timeout
        self.dial = dial
        self.last_seq: int | None = None  # the last event applied (or the snapshot's seq)
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._hello_id: str | None = None
        self.pacer = RequestPacer()
        self._snapshot_id: str | None = None
        self._buffer: list[Event] | None = None  # events held back while a snapshot is in flight
        self._greeted = False  # this socket's hello got through
        self._repair_id: str | None = None  # the hello asking for events missed, while it is out
        self._repair_to = 0  # the hub's last seq as that hello said: its replay goes up to here
        self._held: dict[int, Event] = {}  # events after a hole, by seq, until the hole is filled
        # The `inbox` args of a snapshot: the whole inbox, or the window the app shows.
        self.snapshot_args: Callable[[], dict[str, Any]] = lambda: {"limit": 1000}

    @property
    def url(self) -> str:
        """The hub in use (or being tried)."""
        return self.urls[self._at]

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._hello_id is None

    # ------------------------------------------------------------ the worker body

    async def run(self) -> None:
        """Connect, sync, and fail over or reconnect forever (until cancelled)."""
        rounds = 0  # whole rounds of hubs that failed in a row: the backoff's exponent
        tried = 0  # hubs tried in this round
        while True:
            self.post(LinkChanged("connecting", self.url, hub=self.url))
            try:
                await self._session()
                detail = "connection closed"
            except TokenRefused:
                delay = self.refused_delay
                retry_at = time.monotonic() + delay
                self.post(LinkChanged("refused", "token refused", retry_at, hub=self.url))
                self._next_hub()
                tried = 0
                await asyncio.sleep(delay)
                continue
            except asyncio.CancelledError:
                raise
            except (OSError, ConnectionClosed, InvalidStatus, HubError, asyncio.TimeoutError) as exc:
                detail = str(exc) or type(exc).__name__
            except Exception as exc:  # a bug must not kill the app: report it and retry
                log.exception("hub session failed")
                detail = f"{type(exc).__name__}: {exc}"
            finally:
                if self._greeted:  # it got through hello: a new round starts with this hub
                    rounds = tried = 0
                self._drop()
            log.info("hub %s: %s", self.url, detail)
            self._next_hub()
            tried += 1
            if tried < len(self.urls):
                continue  # the next hub at once: moving to a live one costs no wait
            tried = 0
            delay = backoff_delay(rounds, self.backoff_cap)
            rounds += 1
            self.post(LinkChanged("reconnecting", detail, time.monotonic() + delay, hub=self.url))
            await asyncio.sleep(delay)

    def _next_hub(self) -> None:
        self._at = (self._at + 1) % len(self.urls)

    async def _session(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            ws = await self.dial(self.url, additional_headers=headers, open_timeout=10, max_size=2**24)
        except InvalidStatus as exc:
            if exc.response.status_code == 401:
                raise TokenRefused() from exc
            raise
        try:
            self._ws = ws
            self.pacer = RequestPacer()  # the hub's limit is per connection; hello says what it is
            if self.last_seq is None:
                self._buffer = []  # a snapshot will follow the hello: hold events until it lands
            self._hello_id = self._next_id()
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._send(self._hello_id, "hello", {"since": self.last_seq, "client": CLIENT_NAME})
                await reader  # returns when the socket closes
            finally:
                reader.cancel()
        finally:
            await ws.close()

    def _drop(self) -> None:
        self._ws = None
        self._hello_id = self._snapshot_id = self._repair_id = None
        self._buffer = None
        self._greeted = False
        self._held, self._repair_to = {}, 0  # the next hello's replay brings them again
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(HubError(ErrorCode.OFFLINE, "the connection to the hub was lost"))

    # ------------------------------------------------------------ requests

    def _next_id(self) -> str:
        return f"c{next(self._ids)}"

    async def _send(self, request_id: str, op: str, args: dict[str, Any]) -> None:
        assert self._ws is not None
        await self.pacer.wait()  # under the hub's request rate: wait rather than be cut off
        await self._ws.send(encoder.encode(Request(id=request_id, op=op, args=args)).decode())

    async def request(self, op: str, args: dict[str, Any] | None = None) -> Any:
        """Send one op and return its result; raise HubError on an error reply or when offline."""
        if not self.connected:
            raise HubError(ErrorCode.OFFLINE, "not connected to the hub")
        request_id = self._next_id()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._send(request_id, op, args or {})
            return await asyncio.wait_for(future, self.request_timeout)
        except asyncio.TimeoutError:
            raise HubError(ErrorCode.TIMEOUT, f"the hub did not answer {op} in time") from None
        except ConnectionClosed:
            raise HubError(ErrorCode.OFFLINE, "the connection to the hub was lost") from None
        finally:
            self._pending.pop(request_id, None)

    # ------------------------------------------------------------ frames

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            try:
                frame = server_frame_decoder.decode(raw)
            except msgspec.DecodeError:
                log.warning("undecodable frame from hub: %.200r", raw)
                continue
            await self._dispatch(frame)

    async def _dispatch(self, frame: Reply | Error | Event | Resync) -> None:
        if isinstance(frame, Event):
            await self._on_event(frame)
        elif isinstance(frame, Resync):
            await self._start_snapshot()
        elif isinstance(frame, Reply):
            if frame.id == self._hello_id:
                await self._on_hello(frame.result)
            elif frame.id == self._repair_id:
                await self._on_repair_hello(frame.result)
            elif frame.id == self._snapshot_id:
                await self._on_snapshot(frame.result)
            else:
                self._resolve(frame.id, result=frame.result)
        elif isinstance(frame, Error):
            if frame.id is not None and frame.id in (self._hello_id, self._repair_id,
                                                     self._snapshot_id):
                raise HubError.from_frame(frame)
            if frame.id is not None:
                self._resolve(frame.id, error=HubError.from_frame(frame))
            else:
                log.warning("hub error: %s %s", frame.code, frame.message)

    def _resolve(self, request_id: str, *, result: Any = None, error: HubError | None = None) -> None:
        future = self._pending.get(request_id)
        if future is None or future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    async def _on_hello(self, result: Any) -> None:
        hello = msgspec.convert(result, HelloResult)
        self._hello_id = None
        self._greeted = True
        self.pacer.per_minute = hello.rate_limit_per_minute
        offset = hello.server_time - self.clock()
        self.post(HelloReceived(hello.person, offset))
        self.post(LinkChanged("connected", hello.person.name, hub=self.url))
        if self._buffer is not None or hello.replay == "resync":
            await self._start_snapshot()

    async def _start_snapshot(self) -> None:
        """Ask for a fresh inbox; hold back events until it lands (one snapshot at a time)."""
        if self._snapshot_id is not None:
            return
        if self._buffer is None:
            self._buffer = []
        self._snapshot_id = self._next_id()
        await self._send(self._snapshot_id, "inbox", self.snapshot_args())

    async def _on_snapshot(self, result: Any) -> None:
        inbox = msgspec.convert(result, InboxResult)
        held = [*(self._buffer or []), *sorted(self._held.values(), key=lambda e: e.seq)]
        self._buffer, self._snapshot_id, self._held, self._repair_to = None, None, {}, 0
        self.last_seq = inbox.seq
        self.post(InboxLoaded(inbox))
        for event in held:
            await self._on_event(event)

    # ------------------------------------------------------------ events, in sequence

    async def _on_event(self, event: Event) -> None:
        if self._buffer is not None:
            self._buffer.append(event)
            return
        if self.last_seq is not None and event.seq <= self.last_seq:
            return  # already reflected (snapshot or replay overlap)
        if self.last_seq is not None and event.seq > self.last_seq + 1:
            self._held[event.seq] = event  # after a hole: applied once the hole is filled
            await self._repair_gap()
            return
        self._apply(event)
        while self.last_seq is not None and (nxt := self._held.pop(self.last_seq + 1, None)):
            self._apply(nxt)
        if self._held:
            await self._repair_gap()  # a hole remains

    async def _repair_gap(self) -> None:
        """Ask for the events missed after the last applied, unless that is under way: a repair
        hello not yet answered, or its replay still arriving. The hub writes the replay right
        after its reply, before any later push, so while the events held are within the seq the
        reply named, the replay may still fill the hole; one past it means the replay is over."""
        assert self.last_seq is not None
        if self._repair_id is not None or self._snapshot_id is not None:
            return
        if self.last_seq < self._repair_to and max(self._held) <= self._repair_to:
            return
        log.info("events missed after seq %d (next held: %d): asking the hub again",
                 self.last_seq, min(self._held))
        self._repair_id = self._next_id()
        await self._send(self._repair_id, "hello", {"since": self.last_seq, "client": CLIENT_NAME})

    async def _on_repair_hello(self, result: Any) -> None:
        """The hub's answer to the repair: the missed events follow it (or a resync frame)."""
        hello = msgspec.convert(result, HelloResult)
        self._repair_id = None
        self.pacer.per_minute = hello.rate_limit_per_minute
        self._repair_to = hello.seq
        if hello.replay == "resync":
            await self._start_snapshot()
        elif self._held and self.last_seq is not None and self.last_seq >= hello.seq:
            # The hub knows of nothing after what was applied, yet later events are held: its
            # word against theirs. A fresh inbox settles it (and asking again would loop).
            self._held = {}
            await self._start_snapshot()

    def _apply(self, event: Event) -> None:
        self.last_seq = event.seq
        try:
            if event.name == EVENT_UPSERT:
                self.post(ReferralUpserted(msgspec.convert(event.data, ReferralView), event.seq))
            elif event.name == EVENT_REMOVED:
                self.post(ReferralRemoved(msgspec.convert(event.data, RemovedData), event.seq))
            elif event.name == EVENT_MESSAGE:
                self.post(MessageReceived(msgspec.convert(event.data, MessageView), event.seq))
            elif event.name == EVENT_TEAM:
                self.post(TeamUpdated(msgspec.convert(event.data, TeamChanged), event.seq))
        except msgspec.ValidationError:
            log.warning("bad %s event from hub: %.200r", event.name, event.data)
