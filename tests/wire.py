"""The test suite's one protocol client. Every test that talks to a hub over the wire connects,
authenticates and says hello through this module:

- `Wire.open(url, token, label=..., hello=True, since=None)` (or `connect(hub, token, wires, ...)`,
  which also collects the client for closing; `request_once(url, token, op, **args)` for a single
  request as someone else): an authenticated connection that has said hello,
  records every frame it receives (`frames`, raw text, for the privacy sweep), sorts them into
  replies to its own requests, `events` (events and resyncs) and `orphans` (replies and errors
  answering no request sent with `send`/`request`: errors without an id, answers to raw frames);
- `SyncWire`: the same `Wire`, driven from a thread (Hypothesis state machines, fuzzers); the
  wire runs on one background client loop;
- the deliberately raw paths, for tests of the front door itself: `handshake_status` (only the
  HTTP handshake, with any Authorization header or none, any Origin), `Wire.open(hello=False)`
  (authenticated, no hello) and `Wire.send_raw` (any text or bytes as one frame);
- `wait_until(predicate, timeout)`: poll a condition (a frame count, a database row, a log
  record) until it holds, with a generous deadline, instead of sleeping a fixed time.

Nothing here sleeps a fixed time: every wait ends at the frame or state it waits for, and every
deadline is an upper bound for a hung hub, generous enough for a busy machine."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.loop_thread import LoopThread

# An upper bound for anything a test waits for (a reply, an event, a condition); on a busy
# machine a healthy hub answers far sooner, so a long bound costs nothing when the test passes.
DEFAULT_TIMEOUT = 10.0
# The request `no_event` sends as its marker: a read every role may do, that changes nothing.
MARKER_OP = "availability.get"


class WireError(AssertionError):
    pass


def auth_headers(token: str | None) -> dict[str, str]:
    """The Authorization header the app sends: `Bearer <token>` (none without a token)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


async def open_socket(url: str, token: str | None = None, *, authorization: str | None = None,
                      origin: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                      **options: Any) -> ClientConnection:
    """A raw websocket to the hub, after the handshake only. `token` sends the app's header;
    `authorization` sends this exact Authorization value instead (malformed ones included)."""
    headers = {"Authorization": authorization} if authorization is not None else auth_headers(token)
    return await ws_connect(url, additional_headers=headers, origin=origin,  # type: ignore[arg-type]
                            open_timeout=timeout, **options)


async def handshake_status(url: str, token: str | None = None, *, authorization: str | None = None,
                           origin: str | None = None) -> tuple[int, str]:
    """The raw path for handshakes meant to be refused: the HTTP status of a websocket handshake
    (101 when it opens; the connection is closed at once) and the refusal's body."""
    try:
        ws = await open_socket(url, token, authorization=authorization, origin=origin)
    except InvalidStatus as exc:
        return exc.response.status_code, exc.response.body.decode()
    await ws.close()
    return 101, ""


async def wait_until(predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT, *,
                     every: float = 0.02, what: str = "") -> Any:
    """Poll `predicate` (a function, or a coroutine function) until it returns something truthy,
    and return that; fail after `timeout` seconds. The polling interval is not a wait for anything:
    the condition decides when the test goes on."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() >= end:
            raise WireError(f"not within {timeout} s: {what or predicate}")
        await asyncio.sleep(every)


class Wire:
    """One connected person. `frames` holds every frame received, raw text, in order."""

    _ids = itertools.count(1)
    opened: ClassVar[list[Wire]] = []  # every client of the running test, for the privacy sweep

    def __init__(self, ws: ClientConnection, label: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        Wire.opened.append(self)
        self.ws = ws
        self.label = label
        self.timeout = timeout  # the deadline of every wait of this wire not given its own
        self.hello_result: dict[str, Any] | None = None
        self.frames: list[str] = []
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # events and resyncs
        self.orphans: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # answers to no request of ours
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.closed = asyncio.Event()
        self._arrivals: dict[int, float] = {}  # id(event frame) -> loop time it was read
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str, *, label: str = "", hello: bool = True,
                   since: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> Wire:
        """Connect with `token` and, unless `hello=False`, say hello (with `since` if given);
        the hello's result is `hello_result`. `timeout` bounds the handshake and becomes the
        wire's deadline for every later wait not given one."""
        wire = cls(await open_socket(url, token, timeout=timeout), label, timeout)
        if hello:
            wire.hello_result = await wire.hello(since)
        return wire

    async def hello(self, since: int | None = None) -> dict[str, Any]:
        args = {} if since is None else {"since": since}
        reply = await self.request("hello", **args)
        if reply["type"] != "reply":
            raise WireError(f"{self.label}: hello refused: {reply}")
        return reply["result"]

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                assert isinstance(raw, str)
                self.frames.append(raw)
                frame = json.loads(raw)
                kind = frame.get("type")
                rid = frame.get("id")
                fut = self._waiting.get(rid) if kind in ("reply", "error") and isinstance(rid, str) else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)  # kept until `answer` takes it
                elif kind in ("reply", "error"):
                    self.orphans.put_nowait(frame)
                else:
                    self._arrivals[id(frame)] = asyncio.get_running_loop().time()
                    self.events.put_nowait(frame)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(WireError(f"{self.label}: connection closed"))

    # ------------------------------------------------------------------ requests

    async def send_raw(self, text: str | bytes) -> None:
        """The raw path: send any text or bytes as one frame (its answer lands in `orphans`)."""
        await self.ws.send(text)

    async def send(self, op: str, **args: Any) -> str:
        """Send a request without waiting for it; `answer(id)` reads its reply later."""
        request_id = f"{self.label or 'c'}-{next(self._ids)}"
        self._waiting[request_id] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps({"id": request_id, "op": op, "args": args}))
        return request_id

    async def send_raw_request(self, text: str, request_id: str) -> str:
        """Send a frame exactly as written whose answer will carry `request_id` (a documented
        example, say); `answer(request_id)` reads it."""
        self._waiting[request_id] = asyncio.get_running_loop().create_future()
        await self.ws.send(text)
        return request_id

    async def answer(self, request_id: str, timeout: float | None = None) -> dict[str, Any]:
        """The reply or error frame of a request sent with `send`."""
        timeout = self.timeout if timeout is None else timeout
        fut = self._waiting.get(request_id)
        if fut is None:
            raise WireError(f"{self.label}: no request {request_id} waiting")
        try:
            frame = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            raise WireError(f"{self.label}: no answer to {request_id} within {timeout} s") from None
        del self._waiting[request_id]
        return frame

    async def request(self, op: str, timeout: float | None = None, **args: Any) -> dict[str, Any]:
        """Send `op` and return its reply or error frame."""
        return await self.answer(await self.send(op, **args), timeout)

    async def ok(self, op: str, **args: Any) -> Any:
        """Send `op`, insist on a reply, return its result."""
        frame = await self.request(op, **args)
        if frame["type"] != "reply":
            raise WireError(f"{self.label}: {op} {args} failed: {frame}")
        return frame["result"]

    # ------------------------------------------------------------------ what arrives

    async def next_event(self, timeout: float | None = None) -> dict[str, Any]:
        timeout = self.timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(self.events.get(), timeout)
        except TimeoutError:
            raise WireError(f"{self.label}: no event within {timeout} s") from None

    async def event_where(self, predicate: Any, timeout: float | None = None) -> dict[str, Any]:
        """The next event matching `predicate`, skipping others."""
        loop = asyncio.get_running_loop()
        end = loop.time() + (self.timeout if timeout is None else timeout)
        while True:
            frame = await self.next_event(max(0.0, end - loop.time()))
            if predicate(frame):
                return frame

    async def next_orphan(self, timeout: float | None = None) -> dict[str, Any]:
        """The next reply or error that answers no request of `send`: an error without an id,
        or the answer to a frame sent with `send_raw`."""
        timeout = self.timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(self.orphans.get(), timeout)
        except TimeoutError:
            raise WireError(f"{self.label}: no answer within {timeout} s") from None

    async def no_event(self) -> None:
        """Assert that no event is on its way to this client: send a marker request (a read that
        changes nothing) and wait for its reply. The hub writes each client's frames in order,
        and pushes a change's events before it answers the request that made it, so an event
        for anything done before the marker arrives before the marker's reply."""
        await self.ok(MARKER_OP)
        if not self.events.empty():
            raise WireError(f"{self.label}: unexpected event {self.events.get_nowait()}")

    def arrival_of(self, frame: dict[str, Any]) -> float:
        """The event loop time at which this client read the event `frame`."""
        return self._arrivals[id(frame)]

    def drain(self) -> list[dict[str, Any]]:
        """The events already received and not yet taken, without waiting."""
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    async def wait_closed(self, timeout: float | None = None) -> None:
        """Wait until the hub has closed the connection (see `ws.close_code`, `ws.close_reason`)."""
        timeout = self.timeout if timeout is None else timeout
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except TimeoutError:
            raise WireError(f"{self.label}: still open after {timeout} s") from None

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


async def connect(hub: Any, token: str, wires: list[Wire], label: str = "", **kw: Any) -> Wire:
    """`Wire.open` at `hub` (a hub, or anything with a `url`, or a URL); the wire joins `wires`,
    the test's list of clients that the `wires` fixture closes at the end."""
    url = hub if isinstance(hub, str) else hub.url
    wire = await Wire.open(url, token, label=label, **kw)
    wires.append(wire)
    return wire


async def request_once(url: str, token: str, op: str, **args: Any) -> dict[str, Any]:
    """Do one request as another person: connect, say hello, send `op`, close; the reply or
    error frame (for tests driving the app, where someone else acts meanwhile)."""
    wire = await Wire.open(url, token, label="once")
    try:
        return await wire.request(op, **args)
    finally:
        await wire.close()


def upsert_of(ref_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "event" and f["name"] == "referral.upsert" and f["data"]["id"] == ref_id


def removed_of(ref_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "event" and f["name"] == "referral.removed" and f["data"]["id"] == ref_id


# ---------------------------------------------------------------------- blocking face

_client_loop: LoopThread | None = None
_client_loop_lock = threading.Lock()


def client_loop() -> LoopThread:
    """The background event loop every `SyncWire` runs on (started on first use)."""
    global _client_loop
    with _client_loop_lock:
        if _client_loop is None:
            _client_loop = LoopThread(name="wire-client-loop")
        return _client_loop


class SyncWire:
    """A `Wire` for tests driven from threads: the same client, on the background client loop,
    each call blocking until it is done. `frames` is the wire's own list (it grows as frames
    arrive, in the background); `pump` takes the events received so far."""

    def __init__(self, wire: Wire, loop: LoopThread) -> None:
        self.wire = wire
        self.label = wire.label
        self._loop = loop

    @classmethod
    def open(cls, url: str, token: str, label: str = "", *, hello: bool = True,
             since: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> SyncWire:
        loop = client_loop()
        wire = loop.run(Wire.open(url, token, label=label, hello=hello, since=since, timeout=timeout),
                        None)  # bounded by `timeout`
        return cls(wire, loop)

    @property
    def hello_result(self) -> dict[str, Any]:
        assert self.wire.hello_result is not None, f"{self.label}: said no hello"
        return self.wire.hello_result

    @property
    def frames(self) -> list[str]:
        return self.wire.frames

    def _run(self, coro: Any) -> Any:
        return self._loop.run(coro, None)  # every coroutine run here has its own deadline

    def send_raw(self, text: str | bytes) -> None:
        self._run(self.wire.send_raw(text))

    def send(self, op: str, **args: Any) -> str:
        return self._run(self.wire.send(op, **args))

    def answer(self, request_id: str, timeout: float | None = None) -> dict[str, Any]:
        return self._run(self.wire.answer(request_id, timeout))

    def request(self, op: str, timeout: float | None = None, **args: Any) -> dict[str, Any]:
        return self._run(self.wire.request(op, timeout, **args))

    def ok(self, op: str, **args: Any) -> Any:
        return self._run(self.wire.ok(op, **args))

    def next_orphan(self, timeout: float | None = None) -> dict[str, Any]:
        return self._run(self.wire.next_orphan(timeout))

    def sync(self) -> None:
        """Wait for a marker request's reply: every frame the hub sent this client before it
        handled the marker has then arrived (each client's frames are written in order)."""
        self._run(self.wire.ok(MARKER_OP))

    def pump(self) -> list[dict[str, Any]]:
        """The events received so far and not yet taken, without waiting."""
        return self._run(_drain(self.wire))

    def close(self) -> None:
        self._run(asyncio.wait_for(self.wire.close(), self.wire.timeout))


async def _drain(wire: Wire) -> list[dict[str, Any]]:
    return wire.drain()
