"""Running a hub from the command line: in the foreground, or in a background thread with its
own event loop (for `triage demo`, where the terminal app owns the main thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from server.hub import Hub
from server.settings import HubSettings

log = logging.getLogger("triage.cli")


class HubThread:
    """A hub in a daemon thread. `start()` returns what `prepare(hub)` returned once it listens;
    `background(hub, prepared, stop)` then runs until `stop()` is called."""

    def __init__(
        self,
        settings: HubSettings,
        prepare: Callable[[Hub], Awaitable[Any]],
        background: Callable[[Hub, Any, asyncio.Event], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.prepare = prepare
        self.background = background
        self.hub: Hub | None = None
        self._ready = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="triage-hub", daemon=True)

    def start(self, timeout: float = 120.0) -> Any:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the hub did not start within {timeout:.0f} s")
        if self._error is not None:
            raise self._error
        return self._result

    def stop(self, timeout: float = 15.0) -> bool:
        """Ask the hub to stop and wait for its thread; True when it stopped in time."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread or the log
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                log.exception("hub thread failed")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        hub = self.hub = Hub(self.settings)
        await hub.start()
        task = None
        try:
            self._result = await self.prepare(hub)
            self._ready.set()
            if self.background is not None:
                task = asyncio.create_task(self.background(hub, self._result, self._stop))
            await self._stop.wait()
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await hub.stop()
