"""A blocking protocol client for tests that drive a hub running in another thread or process:
Hypothesis state machines and fuzzers are synchronous. Records every frame it receives (for the
privacy sweep) and the events between replies."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.integration.wire import Wire, WireError


class SyncWire:
    _ids = itertools.count(1)

    def __init__(self, ws: ClientConnection, label: str) -> None:
        Wire.opened.append(self)  # type: ignore[arg-type]  # the sweep only reads `frames`
        self.ws = ws
        self.label = label
        self.frames: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.last_seq = 0

    @classmethod
    def open(cls, url: str, token: str, label: str = "", *, hello: bool = True,
             since: int | None = None, timeout: float = 5.0) -> SyncWire:
        ws = connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                     open_timeout=timeout, max_size=None).__enter__()  # closed by `close()`
        wire = cls(ws, label)
        if hello:
            wire.hello_result = wire.ok("hello", **({} if since is None else {"since": since}))
        return wire

    def recv(self, timeout: float) -> dict[str, Any]:
        raw = self.ws.recv(timeout=timeout)
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        self.frames.append(text)
        frame = json.loads(text)
        if frame.get("type") == "event":
            self.last_seq = frame["seq"]
        return frame

    def answer(self, request_id: str | None, timeout: float = 5.0) -> dict[str, Any]:
        """The next reply or error (events and resyncs met on the way are kept in `events`)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise WireError(f"{self.label}: no answer to {request_id} within {timeout} s")
            try:
                frame = self.recv(left)
            except TimeoutError:
                raise WireError(f"{self.label}: no answer to {request_id} within {timeout} s") from None
            if frame.get("type") in ("reply", "error") and (
                request_id is None or frame.get("id") in (request_id, None)
            ):
                return frame
            self.events.append(frame)

    def send(self, op: str, **args: Any) -> str:
        """Send a request without waiting; `answer(id)` reads its reply later."""
        request_id = f"{self.label or 's'}-{next(self._ids)}"
        self.ws.send(json.dumps({"id": request_id, "op": op, "args": args}))
        return request_id

    def request(self, op: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]:
        return self.answer(self.send(op, **args), timeout)

    def ok(self, op: str, **args: Any) -> Any:
        frame = self.request(op, **args)
        if frame["type"] != "reply":
            raise WireError(f"{self.label}: {op} {args} failed: {frame}")
        return frame["result"]

    def pump(self, wait: float = 0.0) -> list[dict[str, Any]]:
        """Read every frame already waiting (or arriving within `wait` s) into `events`."""
        got = []
        while True:
            try:
                frame = self.recv(wait)
            except TimeoutError:
                return got
            self.events.append(frame)
            got.append(frame)
            wait = 0.0

    def close(self) -> None:
        self.ws.close()
