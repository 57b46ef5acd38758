"""What the sub-commands share: errors that end the command, database URLs, logging setup."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

DEFAULT_HUB_URL = "ws://127.0.0.1:8765"


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit code `code` (1 runtime, 2 usage)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def db_url(value: str | None) -> str:
    """An SQLAlchemy URL from --db: a URL as given, a plain path as an SQLite file, or the default."""
    if not value:
        # the hub's own setting (TRIAGE_HUB_DB, then hub.toml), so `triage agent ...` next to a
        # hub finds its database; the hub side is loaded only when asked
        from server.settings import HubConfigError, load

        try:
            return load().resolved_db_url()
        except HubConfigError as exc:
            raise CliError(str(exc), code=2) from None
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def describe_db(url: str) -> str:
    """The URL without any password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


class OneLineFormatter(logging.Formatter):
    """A timestamped line per record; an exception adds its type and message, not a traceback."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info
        record.exc_info, record.exc_text = None, None
        line = super().format(record)
        if exc and exc[1] is not None:
            line += f" ({type(exc[1]).__name__}: {exc[1]})"
        return line.replace("\n", " | ")


def setup_logging(handler: logging.Handler, level: int = logging.INFO) -> None:
    """Send every log record to `handler` only (never the terminal unless it is stderr)."""
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # websockets repeats the hub's own connect and auth lines; keep only its warnings.
    logging.getLogger("triage.websockets").setLevel(logging.WARNING)
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def eprint(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_admin(coro: Any) -> Any:
    """Run one of `server.admin`'s coroutines; a change the hub refuses (a bad field, an unknown
    person or program) ends the command with the hub's own words, and nothing was changed."""
    import asyncio

    from server.errors import HubError  # the hub's side, loaded only when a command runs

    try:
        return asyncio.run(coro)
    except HubError as exc:
        field = exc.details.get("field")
        prefix = "" if not field or exc.message.startswith(f"{field}") else f"{field}: "
        raise CliError(f"{prefix}{exc.message}; nothing was changed",
                       code=2 if exc.code == "bad_request" else 1) from None
    except LookupError as exc:
        raise CliError(str(exc)) from None
