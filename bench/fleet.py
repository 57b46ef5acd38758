"""Many websocket clients in one process: open them (authenticated, with hello when the server is a
hub), and record when each event frame arrives.

Receipt times are taken with `time.time()` the moment a frame is read and the frame is parsed
only afterwards, so the client's own JSON work does not count against the server.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CONNECT_CONCURRENCY = 50


async def hello(ws: ClientConnection) -> dict[str, Any]:
    await ws.send('{"id":"hello","op":"hello","args":{}}')
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("id") == "hello":
            if frame["type"] != "reply":
                raise RuntimeError(f"hello refused: {frame}")
            return frame["result"]


async def open_one(
    url: str, token: str | None, *, say_hello: bool, attempts: int = 20
) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    for attempt in range(attempts):
        try:
            ws = await connect(
                url, additional_headers=headers, open_timeout=60, ping_interval=None,
                max_queue=None,  # compression as the app's own client: permessage-deflate
            )
            break
        except (OSError, TimeoutError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))
    if say_hello:
        await hello(ws)
    return ws


async def open_fleet(url: str, tokens: list[str | None], *, say_hello: bool) -> list[ClientConnection]:
    """One connection per token, `CONNECT_CONCURRENCY` opening at a time."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def opened(token: str | None) -> ClientConnection:
        async with gate:
            return await open_one(url, token, say_hello=say_hello)

    return list(await asyncio.gather(*(opened(t) for t in tokens)))


def pause_garbage_collection() -> None:
    """For a client process once its fleet is open. The clients are the measuring instrument: a
    garbage-collection pass in one of them (its heap grows with every frame it keeps) holds up
    every receipt it times by ~100 ms, which would be counted against the server measured.
    What piles up while it is off, over a benchmark of a minute or two, is a few megabytes."""
    gc.collect()
    gc.disable()


class Receipts:
    """Raw event frames each client read, with the wall-clock time it read them."""

    def __init__(self) -> None:
        self.raw: list[tuple[int, float, str]] = []  # (client index, time.time(), frame)
        self._tasks: list[asyncio.Task[None]] = []

    def watch(self, clients: list[ClientConnection]) -> None:
        self._tasks = [asyncio.create_task(self._read(i, ws)) for i, ws in enumerate(clients)]

    async def _read(self, index: int, ws: ClientConnection) -> None:
        raw = self.raw
        async for message in ws:
            raw.append((index, time.time(), message))  # type: ignore[arg-type]

    def events(self) -> list[tuple[int, float, dict[str, Any], int]]:
        """(client index, receipt time, event frame, frame length in bytes) per event read."""
        out = []
        for index, at, message in self.raw:
            frame = json.loads(message)
            if frame.get("type") == "event":
                out.append((index, at, frame, len(message.encode())))
        return out

    async def close(self, clients: list[ClientConnection]) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await close_fleet(clients)


async def close_fleet(clients: list[ClientConnection]) -> None:
    gate = asyncio.Semaphore(200)

    async def closed(ws: ClientConnection) -> None:
        async with gate:
            try:
                await asyncio.wait_for(ws.close(), 5)
            except Exception:  # noqa: BLE001 - a benchmark client that fails to close is dropped
                ws.transport.abort()

    await asyncio.gather(*(closed(ws) for ws in clients))
