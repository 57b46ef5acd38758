"""Logs never carry tokens or client contact: every log line of the test session (the in-process
hubs' records and the stderr of the hubs tests start as subprocesses) is kept and scanned at the
end of the session for a bearer token, an e-mail address, a phone number, or any contact value a
test registered."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

TOKEN = re.compile(r"trg_[A-Za-z0-9_\-]{8,}")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# Loggers of the tests' own doubles, not of the product: aiosmtpd's fake mail server logs the
# SMTP conversation (the agents' notification addresses) by design.
TEST_DOUBLES = frozenset({"mail.log"})
PHONE = re.compile(r"(?<![\w\-])\(?\d{3}\)?[\-. ]\d{3}[\-. ]\d{4}(?![\w\-])")


class LogWatch(logging.Handler):
    """Keeps every formatted record it handles, plus text added from other processes' logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
        self.lines: list[tuple[str, str]] = []  # (where it came from, the line)
        self.contact_values: set[str] = set()
        self._lines_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in TEST_DOUBLES:
            return
        try:
            line = self.format(record)
        except (TypeError, ValueError):  # a record that cannot be formatted: check its parts
            line = f"{record.msg} {record.args}"
        with self._lines_lock:
            self.lines.append((f"log {record.name}", line))

    def add_text(self, source: str, text: str) -> None:
        """Lines written by another process (a subprocess hub's stderr or log file)."""
        with self._lines_lock:
            self.lines.extend((source, line) for line in text.splitlines())

    def add_contact(self, values: Iterable[str]) -> None:
        """Contact values a test sent to a hub: none of them may appear in any log line."""
        self.contact_values.update(v for v in values if v and len(v) >= 5)

    def leaks(self) -> list[str]:
        with self._lines_lock:
            lines = list(self.lines)
        return [f"{source}: {found}: {line[:300]}" for source, line in lines
                for found in leaks_in(line, self.contact_values)]


def leaks_in(line: str, contact_values: Iterable[str] = ()) -> list[str]:
    """What in one log line is a token or client contact (empty when nothing is)."""
    found = [f"token {m.group()[:8]}..." for m in TOKEN.finditer(line)]
    found += [f"e-mail {m.group()}" for m in EMAIL.finditer(line)]
    found += [f"phone {m.group()}" for m in PHONE.finditer(line)]
    found += [f"contact value {v!r}" for v in contact_values if v in line]
    return found


SESSION_WATCH = LogWatch()


def install(watch: LogWatch = SESSION_WATCH) -> None:
    """Attach the watch to the root logger and let INFO records (what the hub logs in
    production) reach it."""
    root = logging.getLogger()
    if watch not in root.handlers:
        root.addHandler(watch)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
