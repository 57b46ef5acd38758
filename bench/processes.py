"""The processes a benchmark runs: a hub (or a baseline server) in one process, its clients spread
over a few others, each talking to the benchmark's driver through a pipe.

Every process is started with the `spawn` method, so it shares nothing with the driver but what is
passed to it; each runs one asyncio program (`target(pipe, *args)`) and ends when it returns.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

_SPAWN = multiprocessing.get_context("spawn")


def _run(target: Callable[..., Awaitable[None]], pipe: Connection, args: tuple[Any, ...]) -> None:
    asyncio.run(target(pipe, *args))


class Worker:
    """One spawned process running `target(pipe, *args)` and the driver's end of its pipe."""

    def __init__(self, target: Callable[..., Awaitable[None]], *args: Any, name: str = "") -> None:
        self.pipe, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=_run, args=(target, child, args), name=name, daemon=True)
        self.process.start()
        child.close()

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def send(self, *message: Any) -> None:
        self.pipe.send(message)

    def expect(self, kind: str, timeout: float = 300.0) -> tuple[Any, ...]:
        """The next message, which must be of `kind`; its payload."""
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"{self.process.name}: no {kind!r} within {timeout:.0f} s")
        message = self.pipe.recv()
        if message[0] != kind:
            raise RuntimeError(f"{self.process.name}: expected {kind!r}, got {message!r}")
        return message[1:]

    def stop(self) -> None:
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def stop_all(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()


async def receive(pipe: Connection) -> tuple[Any, ...]:
    """Inside a spawned process: wait, without blocking its event loop, for the driver's next
    message."""
    return await asyncio.get_running_loop().run_in_executor(None, pipe.recv)


def chunks(items: list[Any], parts: int) -> list[list[Any]]:
    """`items` dealt into `parts` nearly equal lists (none empty when there are enough items)."""
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
