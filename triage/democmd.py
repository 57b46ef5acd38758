"""`triage demo`: a hub with demo data in a background thread, and the terminal app signed in."""

from __future__ import annotations

import argparse
import logging
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from triage.common import CliError, db_url, describe_db, eprint, setup_logging

if TYPE_CHECKING:
    from server import demo
    from server.hub import Hub

log = logging.getLogger("triage.demo")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="try the app: a local hub with demo data, signed in as a demo agent",
        description="Start a hub inside this process on a free loopback port, fill an empty "
        "database with demo agents and referrals, create a new inbound referral every 20 to 40 "
        "seconds, and open the terminal app signed in as the demo agent. Hub logs go to a file.",
    )
    p.add_argument("--db", metavar="URL",
                   help="database URL or SQLite file path (default: demo.sqlite3 in the user data directory)")
    p.add_argument("--as", dest="as_name", metavar="NAME",
                   help="sign in as this person (name or id; default: the demo agent)")
    p.set_defaults(func=cmd_demo)


def default_demo_db() -> str:
    path = Path(platformdirs.user_data_dir("triage")) / "demo.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def prepare(hub: Hub, as_name: str | None) -> tuple[demo.Cast, str]:
    from server import demo

    """Seed an empty database, else put fresh offers on the clock; return the cast and a token."""
    seeded = False
    if await demo.is_empty(hub):
        await demo.seed(hub)
        seeded = True
    person_id = await demo.find_person(hub, as_name) if as_name else demo.DEMO_AGENT_ID
    try:
        cast = await demo.load_cast(hub, person_id)
    except LookupError:
        raise LookupError("this database has no demo agent; choose who to be with --as NAME") from None
    if (not seeded or person_id != demo.DEMO_AGENT_ID) and cast.concierge_id:
        await demo.offer_batch(hub, cast, random.Random())
    return cast, await demo.fresh_token(hub, person_id)


def cmd_demo(args: argparse.Namespace) -> int:
    # the hub's storage stack loads only when a demo runs, never for the app or --help
    from server import demo
    from server.settings import HubSettings
    from triage.runner import HubThread
    from tui.app import make_app  # the terminal app is only needed here

    url = db_url(args.db) if args.db else default_demo_db()
    log_dir = Path(platformdirs.user_log_dir("triage"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "demo.log"
    setup_logging(logging.FileHandler(log_path, encoding="utf-8"))
    log.info("demo starting with %s", describe_db(url))

    settings = HubSettings(db_url=url, host="127.0.0.1", port=0)
    thread = HubThread(
        settings,
        prepare=lambda hub: prepare(hub, args.as_name),
        background=lambda hub, prepared, stop: demo.arrivals(hub, prepared[0], stop),
    )
    eprint(f"starting the demo hub ({describe_db(url)}) ...")
    try:
        cast, token = thread.start()
    except LookupError as exc:
        thread.stop()
        raise CliError(str(exc)) from None
    except Exception as exc:
        thread.stop()
        log.exception("demo hub failed to start")
        raise CliError(f"the demo hub did not start: {exc}; see {log_path}") from None
    assert thread.hub is not None
    log.info("signed in as %s (%s) at %s", cast.agent_name, cast.agent_id, thread.hub.url)
    code = 0
    try:
        app = make_app(thread.hub.url, token)
        app.run()
        code = app.return_code or 0
    finally:
        stopped = thread.stop()
        if not stopped:
            log.error("the hub thread did not stop in time")
    print(f"demo hub stopped{'' if stopped else ' (timed out)'}; its log is {log_path}", file=sys.stderr)
    return code
