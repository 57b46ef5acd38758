"""The one exception the hub's operations raise: it becomes an error frame with a stable code."""

from __future__ import annotations

from typing import Any

from shared.protocol import ErrorCode


class HubError(Exception):
    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
