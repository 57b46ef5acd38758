"""`triage window set|list`: claim windows per area (a zip code or its first digits)."""

from __future__ import annotations

import argparse

from triage.agents import DB_HELP
from triage.common import CliError, db_url, run_admin


def add_parser(sub: argparse._SubParsersAction) -> None:
    window = sub.add_parser(
        "window",
        help="claim windows per area",
        description="How long an agent has to claim an appointment, per area: a zip code or its "
        "first digits (`802` is every zip code starting 802; the longest match wins). An "
        "appointment's own window comes first, then its program's, then its area's, then the "
        "hub's default (claim_window_seconds in hub.toml, 30 minutes).",
    )
    window_sub = window.add_subparsers(dest="window_command", metavar="ACTION", required=True)
    change = window_sub.add_parser("set", help="set (or clear) an area's claim window",
                                   description="Set an area's claim window; --default clears it.")
    change.add_argument("area", metavar="AREA", help="a zip code or its first digits")
    seconds = change.add_mutually_exclusive_group(required=True)
    seconds.add_argument("--seconds", type=int, metavar="N", help="the window, in seconds")
    seconds.add_argument("--minutes", type=float, metavar="N", help="the window, in minutes")
    seconds.add_argument("--default", action="store_true", help="back to the hub's default")
    change.add_argument("--db", metavar="URL", help=DB_HELP)
    change.set_defaults(func=cmd_set)
    ls = window_sub.add_parser("list", help="list the areas' claim windows",
                               description="List every area with a claim window of its own.")
    ls.add_argument("--db", metavar="URL", help=DB_HELP)
    ls.set_defaults(func=cmd_list)


def cmd_set(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    seconds = None if args.default else args.seconds if args.seconds is not None else round(args.minutes * 60)
    if seconds is not None and seconds < 1:
        raise CliError("a claim window is at least 1 second", code=2)
    view = run_admin(admin.set_window(db_url(args.db), args.area, seconds))
    print(f"area {args.area.strip()}: " + (f"{view.claim_window_seconds} s claim window" if view else "the hub's default claim window"))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    rows = run_admin(admin.list_windows(db_url(args.db)))
    if not rows:
        print("no area has a claim window of its own: every appointment gets its program's or the hub's default")
    for row in rows:
        print(f"{row.area}  {row.claim_window_seconds} s")
    return 0
