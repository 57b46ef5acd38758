"""A small protocol client for tests: connects with a token, says hello, sends requests, records
every frame it receives, and lets a test wait for the next event with a timeout."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

DEFAULT_TIMEOUT = 5.0


class WireError(AssertionError):
    pass


class Wire:
    """One connected person. `frames` holds every frame received, raw text, in order."""

    _ids = itertools.count(1)
    opened: list[Wire] = []  # every client of the running test, for the privacy sweep

    def __init__(self, ws: ClientConnection, label: str = "") -> None:
        Wire.opened.append(self)
        self.ws = ws
        self.label = label
        self.frames: list[str] = []
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # events and resyncs
        self.orphans: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # errors without an id
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.closed = asyncio.Event()
        self._arrivals: dict[int, float] = {}  # id(event frame) -> loop time it was read
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str, *, label: str = "", hello: bool = True,
                   since: int | None = None) -> Wire:
        ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                           open_timeout=DEFAULT_TIMEOUT)
        wire = cls(ws, label)
        if hello:
            wire.hello_result = await wire.hello(since)
        return wire

    async def hello(self, since: int | None = None) -> dict[str, Any]:
        args = {} if since is None else {"since": since}
        reply = await self.request("hello", **args)
        assert reply["type"] == "reply", reply
        return reply["result"]

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                assert isinstance(raw, str)
                self.frames.append(raw)
                frame = json.loads(raw)
                if frame["type"] in ("reply", "error") and frame.get("id") in self._waiting:
                    fut = self._waiting.pop(frame["id"])
                    if not fut.done():
                        fut.set_result(frame)
                elif frame["type"] == "error":
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

    async def send_raw(self, text: str | bytes) -> None:
        await self.ws.send(text)

    async def request(self, op: str, timeout: float = DEFAULT_TIMEOUT, **args: Any) -> dict[str, Any]:
        """Send `op` and return its reply or error frame."""
        request_id = f"{self.label or 'c'}-{next(self._ids)}"
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = fut
        await self.ws.send(json.dumps({"id": request_id, "op": op, "args": args}))
        return await asyncio.wait_for(fut, timeout)

    async def ok(self, op: str, **args: Any) -> Any:
        """Send `op`, insist on a reply, return its result."""
        frame = await self.request(op, **args)
        if frame["type"] != "reply":
            raise WireError(f"{self.label}: {op} {args} failed: {frame}")
        return frame["result"]

    async def next_event(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(self.events.get(), timeout)
        except TimeoutError:
            raise WireError(f"{self.label}: no event within {timeout} s") from None

    async def event_where(self, predicate: Any, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The next event matching `predicate`, skipping others."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            frame = await self.next_event(max(0.0, end - loop.time()))
            if predicate(frame):
                return frame

    async def no_event(self, within: float = 0.2) -> None:
        """Assert no event arrives within `within` seconds (short: only to prove a negative)."""
        try:
            frame = await asyncio.wait_for(self.events.get(), within)
        except TimeoutError:
            return
        raise WireError(f"{self.label}: unexpected event {frame}")

    def arrival_of(self, frame: dict[str, Any]) -> float:
        """The event loop time at which this client read the event `frame`."""
        return self._arrivals[id(frame)]

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


def upsert_of(ref_id: str):
    return lambda f: f["type"] == "event" and f["name"] == "referral.upsert" and f["data"]["id"] == ref_id


def removed_of(ref_id: str):
    return lambda f: f["type"] == "event" and f["name"] == "referral.removed" and f["data"]["id"] == ref_id
