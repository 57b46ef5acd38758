"""What one connection or one person may ask of the hub: a request rate per connection (a sliding
one-minute window) and a cap on how many connections one person holds open at once.

Both are refusals a client can read: the rate limit closes the connection with code 1008 and a
reason naming the limit; the cap answers the handshake with HTTP 429 and a one-line body.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

WINDOW_SECONDS = 60.0
POLICY_VIOLATION = 1008  # the websocket close code for "this connection broke the hub's rules"
TOO_MANY_CONNECTIONS = HTTPStatus.TOO_MANY_REQUESTS


class RequestRate:
    """The requests of one connection within a rolling window.

    A sliding log: the times of the last `limit` requests. One more is allowed unless the oldest
    of those is still inside the window, so at most `limit` requests land in any 60 s. A limit of
    0 (or less) allows everything.
    """

    def __init__(
        self, limit: int, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: deque[float] = deque(maxlen=max(limit, 1))

    def allow(self) -> bool:
        """Count one request; False when it is one more than the window allows."""
        if self.limit <= 0:
            return True
        now = self._clock()
        if len(self._times) == self.limit and now - self._times[0] < self.window:
            return False
        self._times.append(now)
        return True

    @property
    def reason(self) -> str:
        """The close reason a client sees (well under the 123 bytes a close frame allows)."""
        return f"rate limit: more than {self.limit} requests a minute"


class ConnectionCap:
    """Open connections by person, counted from the accepted handshake to the disconnect.

    A connection lost between the handshake and its handler never reaches the handler's cleanup,
    so closed connections are dropped from the count whenever a person's count is taken.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_person: dict[str, set[ServerConnection]] = {}

    def admit(self, person_id: str, connection: ServerConnection) -> bool:
        """Count `connection` for `person_id`, unless that would exceed the cap (0 = no cap)."""
        held = {c for c in self._by_person.get(person_id, ()) if c.state is not State.CLOSED}
        if 0 < self.limit <= len(held):
            self._by_person[person_id] = held
            return False
        held.add(connection)
        self._by_person[person_id] = held
        return True

    def release(self, person_id: str, connection: ServerConnection) -> None:
        held = self._by_person.get(person_id)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._by_person[person_id]

    def refusal(self, person_id: str) -> str:
        return (
            f"too many connections: {person_id} already has {self.limit} open (the hub's limit); "
            "close one and try again\n"
        )

    def count(self, person_id: str) -> int:
        return len(self._by_person.get(person_id, ()))
