"""`triage hub`: the hub alone, in the foreground, logging one line per event to stderr."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from server.settings import HubConfigError, HubSettings, default_config_path, load
from shared.domain import DEFAULT_CLAIM_WINDOW_SECONDS
from triage.common import CliError, db_url, describe_db, setup_logging

log = logging.getLogger("triage.hub")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hub",
        help="run the hub in the foreground",
        description="Run the hub in the foreground: it stores every referral, routes appointments, "
        "runs the claim clocks and serves terminal apps over a websocket. Logs one line per "
        "connect, disconnect, auth failure and error to stderr. Ctrl+C stops it.",
    )
    p.add_argument("--config", type=Path, metavar="FILE",
                   help=f"the hub's TOML config file (default $TRIAGE_HUB_CONFIG or "
                   f"{default_config_path()} when it exists); flags win over it")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default 8765; 0 picks a free one)")
    p.add_argument("--db", metavar="URL",
                   help="database URL or SQLite file path (default: hub.sqlite3 in the user data directory)")
    p.add_argument("--claim-window", type=int, metavar="SECONDS",
                   help=f"default time an agent has to claim an offered appointment "
                   f"(default {DEFAULT_CLAIM_WINDOW_SECONDS})")
    p.set_defaults(func=cmd_hub)


def cmd_hub(args: argparse.Namespace) -> int:
    flags = {
        "hub.host": ("--host", args.host),
        "hub.port": ("--port", args.port),
        "hub.db": ("--db", args.db),
        "hub.claim_window_seconds": ("--claim-window", args.claim_window),
    }
    try:
        settings = load(args.config, flags=flags)
    except HubConfigError as exc:
        raise CliError(str(exc), code=2) from None
    url = db_url(settings.db_url or None)
    settings.db_url = url
    setup_logging(logging.StreamHandler(sys.stderr))
    if settings.smtp.enabled:
        log.info("e-mail notifications through %s:%d", settings.smtp.host, settings.smtp.port)
    log.info("database %s", describe_db(url))
    try:
        asyncio.run(_serve(settings))
    except OSError as exc:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    return 0


async def _serve(settings: HubSettings) -> None:
    from server.hub import Hub  # the hub's storage stack, loaded only when a hub runs

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    hub = Hub(settings)
    try:
        await hub.start()
    except OSError:
        await hub.db.close()
        raise
    try:
        await stop.wait()
        log.info("stopping")
    finally:
        await hub.stop()
