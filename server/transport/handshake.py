"""The websocket handshake: a bearer token names the person, a cap limits their open
connections, and an Origin allowlist keeps foreign web pages out. A refused handshake is an HTTP
answer with a plain reason; it never reaches the frame loop."""

from __future__ import annotations

import logging
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response

from server.storage import people
from server.storage.database import Database
from server.storage.models import Person
from server.transport.limits import TOO_MANY_CONNECTIONS, ConnectionCap

log = logging.getLogger("triage.hub")


def bearer_token(headers: Headers) -> str:
    value = headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def origins(allowed: tuple[str, ...]) -> list[str | None] | None:
    """The Origin values a handshake may carry: the allowlist plus none at all (the app and the
    CLI send no Origin); no allowlist means no check."""
    if not allowed:
        return None
    return [*allowed, None]


class Gatekeeper:
    """Authenticates handshakes and holds each admitted one until its connection is served."""

    def __init__(self, db: Database, cap: ConnectionCap) -> None:
        self._db = db
        self.cap = cap
        self._pending: dict[ServerConnection, tuple[Person, int]] = {}

    async def authenticate(self, connection: ServerConnection, request: HttpRequest) -> Response | None:
        token = bearer_token(request.headers)
        holder = None
        if token:
            async with self._db.read() as session:
                holder = await people.token_holder(session, token)
        if holder is None:
            log.warning(
                "auth failure from %s: %s",
                connection.remote_address[0] if connection.remote_address else "?",
                "no bearer token" if not token else "unknown or revoked token",
            )
            return connection.respond(
                HTTPStatus.UNAUTHORIZED,
                "missing bearer token\n" if not token else "unknown or revoked token\n",
            )
        person = holder[0]
        if not self.cap.admit(person.id, connection):
            log.warning("refused %s: %d connections open already", person.id, self.cap.limit)
            return connection.respond(TOO_MANY_CONNECTIONS, self.cap.refusal(person.id))
        self._pending[connection] = holder
        return None

    def forget_refused(
        self, connection: ServerConnection, request: HttpRequest, response: Response
    ) -> None:
        """A handshake refused after authentication (a foreign Origin: 403) holds no place."""
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            holder = self._pending.pop(connection, None)
            if holder is not None:
                self.cap.release(holder[0].id, connection)
                log.warning("refused %s: HTTP %d", holder[0].id, response.status_code)

    def admitted(self, connection: ServerConnection) -> tuple[Person, int]:
        """The person and token id an admitted handshake authenticated as."""
        return self._pending.pop(connection)
