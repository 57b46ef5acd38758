"""The one way the terminal app starts, whoever starts it: `triage` (or `triage tui`) and
`python -m tui` both come here. The config file and the TRIAGE_* variables, then the options;
the hubs' URLs checked (one hub, or several that share one database: the app moves to the next
when the one in use cannot be reached); the token from TRIAGE_TOKEN or an owner-only token file;
`make_app`.

Importing this module is cheap (no Textual): the `triage` command declares its options with
`add_options` before it knows which sub-command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app (and Textual) load only when it starts
    from tui.app import TriageApp

from tui.hub.urls import DEFAULT_HUB_URL, BadHubURL, check_hubs, split_hubs

HubOption = str | list[str] | None  # --hub: repeated (a list), or one URL


class LaunchError(Exception):
    """The app cannot start; `code` is the exit status (2: a usage error, 1: anything else)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", metavar="URL", action="append",
                        help="a hub's websocket URL; repeat it for hubs that share one database, "
                        "tried in turn when one cannot be reached (default $TRIAGE_HUB, "
                        f"comma-separated, then `hub` in the config file, then {DEFAULT_HUB_URL})")
    parser.add_argument("--token-file", metavar="PATH",
                        help="read the token from PATH (default: $TRIAGE_TOKEN_FILE, `token_file` in the "
                        "config file, else `token` in the user config directory); TRIAGE_TOKEN, when "
                        "set, wins. The file must be readable by its owner only")
    parser.add_argument("--keys", metavar="ID=KEYS,...",
                        help="remap keys by binding id, e.g. 'triage.accept=c,triage.reject=delete' "
                        "(added to $TRIAGE_KEYS and the config file's [keys])")


def build_app(hub: HubOption = None, token_file: str | None = None, keys: str | None = None,
              environ: Mapping[str, str] | None = None) -> TriageApp:
    """The app as the options, the config and the environment say; LaunchError if it cannot be."""
    from tui.app import make_app
    from tui.config import ConfigError, load_config, parse_keys
    from tui.credentials import CredentialsError, load_token
    from tui.keys import KeymapError

    try:
        config = load_config(environ=environ)
    except ConfigError as exc:
        raise LaunchError(str(exc), code=2) from None
    urls = config.hub_urls() or [DEFAULT_HUB_URL]
    if hub:  # the options win: every --hub, in order
        try:
            urls = check_hubs(split_hubs([hub] if isinstance(hub, str) else hub))
        except BadHubURL as exc:
            raise LaunchError(f"--hub: {exc}", code=2) from None
    try:
        token = load_token(token_file or config.token_file, environ)
    except CredentialsError as exc:
        raise LaunchError(str(exc)) from None
    options = config.app_options()
    options["keymap"].update(parse_keys(keys or ""))
    try:
        return make_app(urls, token, **options)
    except KeymapError as exc:  # a remap that would make another key unreachable
        raise LaunchError(str(exc), code=2) from None


def launch(hub: HubOption = None, token_file: str | None = None, keys: str | None = None) -> int:
    """Build the app, run it until it exits; its exit status."""
    app = build_app(hub, token_file, keys)
    app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    """`python -m tui`: the same options, config and token as `triage tui`."""
    parser = argparse.ArgumentParser(
        prog="python -m tui", description="Open the live referral inbox, connected to a hub (the same "
        "as `triage tui`). Settings come from config.toml in the user config directory (or "
        "$TRIAGE_CONFIG) and TRIAGE_* variables; the token from TRIAGE_TOKEN or the token file.")
    add_options(parser)
    args = parser.parse_args(argv)
    try:
        return launch(args.hub, args.token_file, args.keys)
    except LaunchError as exc:
        print(f"{parser.prog}: {exc.message}", file=sys.stderr, flush=True)
        return exc.code
