"""The hub's settings: where it listens, where it stores, how long its clocks run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from server.events.mail import SmtpSettings
from shared.domain import DEFAULT_CLAIM_WINDOW_SECONDS
from shared.protocol import MAX_FRAME_BYTES


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("triage")) / "hub.sqlite3"


@dataclass
class HubSettings:
    db_url: str = ""  # an SQLAlchemy URL; empty means the SQLite file in the user's data directory
    host: str = "127.0.0.1"
    port: int = 8765  # 0 picks a free port
    claim_window_seconds: int = DEFAULT_CLAIM_WINDOW_SECONDS
    retention_seconds: int = 7 * 24 * 3600  # how long missed events can be replayed
    max_frame_bytes: int = MAX_FRAME_BYTES
    send_queue_limit: int = 5000  # frames queued for one slow client before it must resync
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # permessage-deflate: off by default. Events are small, and each compressed connection holds
    # ~40 KB of zlib state and compresses every frame again (bench/idle.py, bench/fanout.py).
    compress_frames: bool = False
    rate_limit_per_minute: int = 100  # requests on one connection; 0 turns the limit off
    max_connections_per_person: int = 20  # open connections one person may hold at once
    allowed_origins: tuple[str, ...] = ()  # browser Origins accepted; clients sending none pass
    revocation_check_seconds: float = 30.0  # how often open connections' tokens are re-checked
    clock: Callable[[], datetime] = field(default=utc_now)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def resolved_db_url(self) -> str:
        if self.db_url:
            return self.db_url
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"
