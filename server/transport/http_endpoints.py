"""Plain HTTP on the hub's own port, for a load balancer and an operator: `GET /health` and
`GET /metrics` (docs/operations.md, "Health and metrics").

websockets parses every request on the port, upgrade or not, and hands it to `process_request`
before it checks the Upgrade headers or the Origin; a `Response` returned there is sent as it is
and the connection closed. `HttpEndpoints.in_front_of` answers these two paths there, before any
authentication, and hands every other request to the handshake's gatekeeper unchanged.

- `/health` is always open: 200 while the hub can serve, 503 while it is stopping or cannot reach
  its database (a `SELECT 1` through the read path, with a short timeout, its answer kept for a
  second so a balancer polling often costs one query a second at most).
- `/metrics` is served to a bearer of the `metrics_token` setting when one is set (from anywhere,
  loopback too), else only to requests from a loopback address that did not come through a
  proxy (no `Forwarded` or `X-Forwarded-For` header); anyone else gets 403.
"""

from __future__ import annotations

import asyncio
import email.utils
import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response

from server.storage.database import Database
from server.transport.handshake import bearer_token
from server.transport.metrics import HubMetrics

log = logging.getLogger("triage.hub")

HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"
CHECK_TIMEOUT_SECONDS = 2.0  # a database slower than this to answer SELECT 1 counts as unreachable
CHECK_CACHE_SECONDS = 1.0  # one health check's answer serves every request for this long
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For")
REFUSED = b"metrics: send the metrics token as bearer, or ask from loopback when none is set\n"
PLAIN = "text/plain; charset=utf-8"

ProcessRequest = Callable[[ServerConnection, HttpRequest], Awaitable[Response | None]]


class DatabaseHealth:
    """Whether the database answers, checked at most once per `cache_seconds`; concurrent callers
    share one check. Counts a reconnect each time it answers again after it did not."""

    def __init__(
        self,
        db: Database,
        metrics: HubMetrics,
        timeout: float = CHECK_TIMEOUT_SECONDS,
        cache_seconds: float = CHECK_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._metrics = metrics
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._checked: tuple[float, bool] | None = None  # when, and the answer
        self._running: asyncio.Task[bool] | None = None
        self._down = False

    async def reachable(self) -> bool:
        if self._checked is not None and self._clock() - self._checked[0] < self.cache_seconds:
            return self._checked[1]
        if self._running is None:
            self._running = asyncio.create_task(self._check(), name="health-check")
        # shielded: a balancer hanging up does not cancel the check the others wait for
        return await asyncio.shield(self._running)

    async def _check(self) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                async with self._db.read() as session:
                    await session.execute(text("SELECT 1"))
            reached = True
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot serve"
            reached = False
            if not self._down:
                log.warning("health check: the database is unreachable (%s)", type(exc).__name__)
        finally:
            self._running = None
        self.record(reached)
        return reached

    def record(self, reached: bool) -> None:
        """The database was (not) reached: by a check, or by the hub's start (its migration)."""
        if reached and self._down:
            log.info("health check: the database is reachable again")
            self._metrics.record_db_reconnect()
        self._down = not reached
        self._metrics.db_up.set(1 if reached else 0)
        self._checked = (self._clock(), reached)

    async def settle(self) -> None:
        """Wait for a check in flight (before the database is closed)."""
        running = self._running
        if running is not None:
            await asyncio.wait({running})


class HttpEndpoints:
    """`/health` and `/metrics`, answered ahead of the websocket handshake."""

    def __init__(
        self,
        health: DatabaseHealth,
        metrics: HubMetrics,
        metrics_token: str,
        hub_id: Callable[[], str],
    ) -> None:
        self.health = health
        self.metrics = metrics
        self._token = metrics_token
        self._hub_id = hub_id
        self.stopping = False  # set when the hub starts stopping: /health answers 503

    def in_front_of(self, authenticate: ProcessRequest) -> ProcessRequest:
        """websockets' `process_request`: these endpoints first, then `authenticate`."""

        async def process_request(
            connection: ServerConnection, request: HttpRequest
        ) -> Response | None:
            path = urlsplit(request.path).path
            if path not in (HEALTH_PATH, METRICS_PATH):
                return await authenticate(connection, request)
            # websockets 14 parses GET requests only and has no `method`
            if getattr(request, "method", "GET") != "GET":
                response = _response(HTTPStatus.METHOD_NOT_ALLOWED, b"GET only\n")
                response.headers["Allow"] = "GET"
                return response
            if path == HEALTH_PATH:
                return await self._health()
            return self._metrics(connection, request)

        return process_request

    async def _health(self) -> Response:
        body: dict[str, Any] = {"status": "unavailable", "hub": self._hub_id()}
        status = HTTPStatus.SERVICE_UNAVAILABLE
        if self.stopping:
            body["reason"] = "stopping"
        elif not await self.health.reachable():
            body["reason"] = "database unreachable"
        else:
            status, body["status"] = HTTPStatus.OK, "ok"
        return _response(status, (json.dumps(body) + "\n").encode(), "application/json")

    def _metrics(self, connection: ServerConnection, request: HttpRequest) -> Response:
        if not self.metrics_allowed(connection, request.headers):
            return _response(HTTPStatus.FORBIDDEN, REFUSED)
        body, content_type = self.metrics.exposition(request.headers.get("Accept", ""))
        return _response(HTTPStatus.OK, body, content_type)

    def metrics_allowed(self, connection: ServerConnection, headers: Headers) -> bool:
        """With `metrics_token` set, its bearer only; without, loopback requests not proxied."""
        if self._token:
            return hmac.compare_digest(bearer_token(headers).encode(), self._token.encode())
        proxied = any(name in headers for name in PROXY_HEADERS)
        return not proxied and _is_loopback(connection.remote_address)


def _is_loopback(address: Any) -> bool:
    try:
        ip = ipaddress.ip_address(address[0])
    except (TypeError, ValueError, IndexError):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _response(status: HTTPStatus, body: bytes, content_type: str = PLAIN) -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)
