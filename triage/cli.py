"""The `triage` command: the terminal app, the hub, the demo, people and tokens, submitting.

Exit codes: 0 ok, 1 runtime error, 2 usage error. Expected failures print one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from triage import agents, audit, democmd, dry_run, export, hubcmd, report, submit
from triage.common import DEFAULT_HUB_URL, CliError, eprint


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
    submit.add_parser(sub)
    report.add_parser(sub)
    export.add_parser(sub)
    dry_run.add_parser(sub)
    audit.add_parser(sub)
    return parser


def _tui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hub", metavar="URL",
                   help="the hub's websocket URL (default $TRIAGE_HUB, then `hub` in the config file, "
                   f"then {DEFAULT_HUB_URL})")
    p.add_argument("--token-file", metavar="PATH",
                   help="read the token from PATH (default: $TRIAGE_TOKEN_FILE, `token_file` in the "
                   "config file, else `token` in the user config directory); TRIAGE_TOKEN, when set, "
                   "wins. The file must be readable by its owner only")
    p.add_argument("--keys", metavar="ID=KEYS,...",
                   help="remap keys by binding id, e.g. 'triage.accept=c,triage.reject=x' "
                   "(added to $TRIAGE_KEYS and the config file's [keys])")


def add_tui_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tui",
        help="open the terminal app (the default command)",
        description="Open the live referral inbox, connected to a hub. The token comes from the "
        "TRIAGE_TOKEN environment variable, else from the token file. Settings come from "
        "config.toml in the user config directory (or $TRIAGE_CONFIG) and TRIAGE_* variables.",
    )
    _tui_options(p)
    p.set_defaults(func=cmd_tui)


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.app import make_app
    from tui.config import ConfigError, load_config, parse_keys
    from tui.credentials import CredentialsError, load_token

    try:
        config = load_config()
    except ConfigError as exc:
        raise CliError(str(exc), code=2) from None
    hub = args.hub or config.hub or DEFAULT_HUB_URL
    if not hub.startswith(("ws://", "wss://")):
        raise CliError(f"the hub must be a websocket URL like {DEFAULT_HUB_URL}, got {hub!r}", code=2)
    try:
        token = load_token(args.token_file or config.token_file)
    except CredentialsError as exc:
        raise CliError(str(exc)) from None
    options = config.app_options()
    options["keymap"].update(parse_keys(args.keys or ""))
    app = make_app(hub, token, **options)
    app.run()
    return app.return_code or 0


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
