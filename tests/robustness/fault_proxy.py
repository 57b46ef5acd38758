"""A TCP proxy on loopback that injects network faults between clients and a hub: it delays
bytes, splits them into small pieces, cuts connections cleanly, resets them (RST, through
SO_LINGER 0) at once or in the middle of a message, and stalls a connection so its client looks
like one that stopped reading. Written for the tests; every fault is set at run time."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from dataclasses import dataclass, field


@dataclass
class Faults:
    delay: float = 0.0  # seconds added before each piece is forwarded, both ways
    jitter: float = 0.0  # up to this many seconds more, at random
    piece: int = 0  # forward at most this many bytes at a time (0: as read)
    reset_mid_message: float = 0.0  # chance, per piece from the hub, to send part of it then RST


@dataclass
class Link:
    """One client connection and its connection to the hub."""

    client_writer: asyncio.StreamWriter
    hub_writer: asyncio.StreamWriter
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort with RST rather than FIN: SO_LINGER on, zero seconds."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, target_port: int, seed: int | None = None) -> None:
        self.target_port = target_port
        self.faults = Faults()
        self.links: list[Link] = []
        self.resets = 0
        self.rng = random.Random(seed)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def stop(self) -> None:
        self.cut_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in list(self.links):
            for task in link.tasks:
                task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            hub_reader, hub_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            reset(writer)
            return
        link = Link(writer, hub_writer)
        self.links.append(link)
        link.tasks = [
            asyncio.create_task(self._pump(link, reader, hub_writer, from_hub=False)),
            asyncio.create_task(self._pump(link, hub_reader, writer, from_hub=True)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        if link in self.links:
            self.links.remove(link)

    async def _pump(self, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    from_hub: bool) -> None:
        try:
            while True:
                if link.stalled.is_set():  # read nothing, forward nothing: buffers fill up
                    await asyncio.sleep(3600)
                data = await reader.read(65536)
                if not data:
                    break
                if link.stalled.is_set():  # held, never forwarded
                    await asyncio.sleep(3600)
                while data:
                    size = self.faults.piece or len(data)
                    piece, data = data[:size], data[size:]
                    wait = self.faults.delay + self.rng.random() * self.faults.jitter
                    if wait:
                        await asyncio.sleep(wait)
                    if from_hub and self.rng.random() < self.faults.reset_mid_message:
                        writer.write(piece[: max(1, len(piece) // 2)])
                        with contextlib.suppress(ConnectionError):
                            await writer.drain()
                        self._reset(link)
                        return
                    writer.write(piece)
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._close(link)

    def _close(self, link: Link) -> None:
        for w in (link.client_writer, link.hub_writer):
            if not w.is_closing():
                w.close()

    def _reset(self, link: Link) -> None:
        self.resets += 1
        reset(link.client_writer)
        reset(link.hub_writer)

    def cut_all(self) -> None:
        """Close every connection cleanly (FIN both ways)."""
        for link in list(self.links):
            self._close(link)

    def reset_all(self) -> None:
        """Reset every connection (RST both ways), whatever it was doing."""
        for link in list(self.links):
            self._reset(link)

    def stall(self, link: Link) -> None:
        """Stop moving bytes on `link`: to the hub its client has stopped reading and answering."""
        link.stalled.set()
