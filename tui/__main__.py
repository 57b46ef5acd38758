"""`python -m tui --url ws://127.0.0.1:8765 --token TOKEN` (or TRIAGE_URL / TRIAGE_TOKEN)."""

from __future__ import annotations

import argparse
import os

from tui.app import make_app
from tui.config import parse_keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="Live referral triage inbox")
    parser.add_argument("--url", default=os.environ.get("TRIAGE_URL", "ws://127.0.0.1:8765"))
    parser.add_argument("--token", default=os.environ.get("TRIAGE_TOKEN", ""))
    parser.add_argument(
        "--keys",
        default=os.environ.get("TRIAGE_KEYS", ""),
        help="remap keys by binding id, e.g. 'triage.accept=c,triage.reject=x' (or TRIAGE_KEYS)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a token is required (--token or TRIAGE_TOKEN)")
    keymap = parse_keys(args.keys)
    app = make_app(args.url, args.token, keymap=keymap)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
