"""The error a client of the hub sees, whichever client it is (the terminal app, the CLI).

`HubError` carries an `ErrorCode`: the hub's own, from an error frame, or one of the client-side
codes (`ErrorCode.OFFLINE`, `ErrorCode.TIMEOUT`) that a client raises itself when it cannot get
an answer at all. The hub never sends those two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.protocol.frames import Error, ErrorCode


class HubError(Exception):
    """A request that got no result: the code to branch on, a message for people, details."""

    def __init__(self, code: ErrorCode | str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    @classmethod
    def from_frame(cls, frame: Error) -> HubError:
        """The hub's answer to a request it refused."""
        return cls(frame.code, frame.message, frame.details)

    def __repr__(self) -> str:
        return f"HubError({self.code.value!r}, {self.message!r})"
