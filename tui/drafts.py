"""An unsent new referral survives a crash or a dropped ssh session: the outbound form writes what
it holds to a file in the user state directory as it is typed (debounced), and removes the file
once the referral is sent, saved as a draft on the hub, or discarded. At the next start the app
offers it again ("You have an unsent referral from <time>: resume / discard").

The file holds a client's contact, so it is the owner's only: mode 600 in a 700 directory,
written atomically (a temporary file in the same directory, then `os.replace`), never half
written. One file per hub (or per demo database), so a demo referral never turns up against a
team hub.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger(__name__)

PREFIX = "unsent-referral-"


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir("triage"))


@dataclass(frozen=True)
class SavedReferral:
    saved_at: datetime
    form: dict[str, Any]  # the form's fields, as OutboundForm.snapshot() gives them


class DraftStore:
    """Where one hub's unsent new referral is kept between starts."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def for_hub(cls, hubs: Iterable[str], directory: Path | None = None) -> DraftStore:
        """The store for a hub (its URLs, in order), or for a demo ("demo:" and its database)."""
        key = "\n".join(hubs)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return cls((directory or state_dir()) / f"{PREFIX}{digest}.json")

    def save(self, form: dict[str, Any], now: datetime | None = None) -> None:
        """Write atomically, owner only. An error is logged, never raised: typing goes on."""
        body = json.dumps({"saved_at": (now or datetime.now(timezone.utc)).isoformat(), "form": form})
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.fchmod(fd, 0o600)  # whatever the umask, or a stale temporary file, said
                os.write(fd, body.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not keep the unsent referral in %s: %s", self.path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def load(self) -> SavedReferral | None:
        """The kept referral, or None (no file, or one that cannot be read: set aside)."""
        try:
            data = json.loads(self.path.read_text())
            return SavedReferral(datetime.fromisoformat(data["saved_at"]), dict(data["form"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("the unsent referral in %s cannot be read (%s); set aside", self.path, exc)
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_suffix(".unreadable"))
            return None

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
