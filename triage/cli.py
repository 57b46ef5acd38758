"""The `triage` command: the terminal app, the hub, the demo, people and tokens, programs,
network groups and claim windows, submitting.

Exit codes: 0 ok, 1 runtime error, 2 usage error. Expected failures print one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from triage import (
    agents,
    audit,
    democmd,
    dry_run,
    export,
    hubcmd,
    networks,
    programs,
    report,
    submit,
    windows,
)
from triage.common import CliError, eprint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Live referral triage in the terminal. Without a command, opens the terminal "
        "app (the same as `triage tui`). New here? Try `triage demo`.",
        epilog="Run `triage COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_tui_parser(sub)
    democmd.add_parser(sub)
    hubcmd.add_parser(sub)
    agents.add_parser(sub)
    programs.add_parser(sub)
    networks.add_parser(sub)
    windows.add_parser(sub)
    submit.add_parser(sub)
    report.add_parser(sub)
    export.add_parser(sub)
    dry_run.add_parser(sub)
    audit.add_parser(sub)
    return parser


def _tui_options(p: argparse.ArgumentParser) -> None:
    from tui.launch import add_options  # the app's own options, shared with `python -m tui`

    add_options(p)


def add_tui_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tui",
        help="open the terminal app (the default command)",
        description="Open the live referral inbox, connected to a hub. The token comes from the "
        "TRIAGE_TOKEN environment variable, else from the token file. Settings come from "
        "config.toml in the user config directory (or $TRIAGE_CONFIG) and TRIAGE_* variables. "
        "Desktop alerts (OSC 9 / OSC 777) pass through tmux only with `tmux set -g "
        "allow-passthrough on` (tmux 3.3 or later); the app says so when it is off.",
    )
    _tui_options(p)
    p.set_defaults(func=cmd_tui)


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.launch import LaunchError, launch  # the one launch path, shared with `python -m tui`

    try:
        return launch(args.hub, args.token_file, args.keys)
    except LaunchError as exc:
        raise CliError(exc.message, code=exc.code) from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["tui", *argv]  # no command: the terminal app, with its options
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        eprint(f"triage: {exc.message}")
        return exc.code
    except KeyboardInterrupt:
        eprint("triage: interrupted")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
