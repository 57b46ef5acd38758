"""A short-lived hub connection for one-shot commands (`triage report`, `triage export`): connect
with the person's token, say hello, send requests one at a time; every failure is a CliError."""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from shared.protocol import Error, HubError, Reply, Request, encoder, server_frame_decoder
from shared.protocol.pacing import RequestPacer
from triage.common import DEFAULT_HUB_URL, CliError
from tui.credentials import CredentialsError, load_token
from tui.hub.urls import split_hubs


def add_hub_options(p: argparse.ArgumentParser) -> None:
    # TRIAGE_HUB may list several hubs (the app's failover); a one-shot command uses the first
    listed = split_hubs(os.environ.get("TRIAGE_HUB", ""))
    p.add_argument("--hub", default=listed[0] if listed else DEFAULT_HUB_URL, metavar="URL",
                   help=f"the hub's websocket URL (default the first of $TRIAGE_HUB, or "
                   f"{DEFAULT_HUB_URL})")
    p.add_argument("--token-file", metavar="PATH",
                   help="read the token from PATH (default: the config directory's token file)")


def token_of(args: argparse.Namespace) -> str:
    try:
        return load_token(args.token_file)
    except CredentialsError as exc:
        raise CliError(str(exc)) from None


class HubClient:
    def __init__(self, ws: ClientConnection, url: str) -> None:
        self.ws = ws
        self.url = url
        self._ids = itertools.count(1)
        self.pacer = RequestPacer()

    async def call(self, op: str, args: dict[str, Any] | None = None) -> Any:
        """The op's result, or a CliError with the hub's error code and message."""
        request_id = str(next(self._ids))
        await self.pacer.wait()  # a long export stays under the hub's request rate
        await self.ws.send(encoder.encode(Request(id=request_id, op=op, args=args or {})).decode())
        while True:
            frame = server_frame_decoder.decode(await self.ws.recv())
            if isinstance(frame, Reply) and frame.id == request_id:
                return frame.result
            if isinstance(frame, Error) and frame.id in (request_id, None):
                error = HubError.from_frame(frame)
                raise CliError(f"the hub refused {op}: {error.code}: {error.message}") from error


@asynccontextmanager
async def hub_client(url: str, token: str, timeout: float = 20.0) -> AsyncIterator[HubClient]:
    if not url.startswith(("ws://", "wss://")):
        raise CliError(f"--hub must be a websocket URL like {DEFAULT_HUB_URL}, got {url!r}", code=2)
    try:
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                           open_timeout=timeout, max_size=None) as ws:
            client = HubClient(ws, url)
            hello = await client.call("hello", {"client": "triage-cli"})
            client.pacer.per_minute = int(hello.get("rate_limit_per_minute") or 0)
            yield client
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status == 401:
            raise CliError(f"the hub at {url} refused the token (HTTP 401): it is unknown or revoked; "
                           "ask for a new one (`triage agent token PERSON_ID` on the hub host)") from None
        raise CliError(f"the hub at {url} refused the connection (HTTP {status})") from None
    except InvalidURI:
        raise CliError(f"not a websocket URL: {url} (expected ws://HOST:PORT)", code=2) from None
    except TimeoutError:
        raise CliError(f"the hub at {url} did not answer within {timeout:.0f} s") from None
    except (OSError, InvalidHandshake) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot reach the hub at {url}: {reason}") from None
    except ConnectionClosed:
        raise CliError(f"the hub at {url} closed the connection") from None
