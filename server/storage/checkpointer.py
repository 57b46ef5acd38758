"""Checkpoints of SQLite's write-ahead log, run on a thread of their own, off the writer's path.

A commit in WAL mode appends the pages it changed to the log; a checkpoint copies the log's
pages back into the database file and syncs it, so the log can start over. SQLite's own
autocheckpoint runs inside the COMMIT that takes the log past a thousand pages: during a claim
storm that was one commit in four, and those commits took 13-26 ms instead of 6 (p75-p99), the
writer, and every claim waiting for it, waiting the while. Here the hub's writer only tells the
checkpointer that it has committed; the checkpointer's own connection runs a PASSIVE checkpoint
at most every `INTERVAL` seconds on its thread (SQLite works without the interpreter lock), which
never blocks the writer or the readers, while the writer goes on appending to the log.

Durability does not change: a commit is durable once the log is synced (`synchronous=FULL` on the
writer), whoever checkpoints it later. Should the checkpointer fall behind or fail, the writer
checkpoints itself once the log passes `WRITER_PAGES` (SQLite's autocheckpoint, raised), so the
log stays bounded either way.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

INTERVAL = 0.1  # seconds at least between two checkpoints: about a thousand pages of a storm
WRITER_PAGES = 20_000  # the writer's own autocheckpoint while a checkpointer runs (80 MB of log)

log = logging.getLogger("triage.hub")


class Checkpointer:
    """Checkpoints the log of the database at `path` after commits, on its own thread."""

    def __init__(self, path: str, busy_seconds: float, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self._busy = busy_seconds
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.runs = 0  # checkpoints run
        self.last: tuple[int, int, int] | None = None  # (busy, frames in the log, frames copied)
        self.ran = threading.Condition()  # notified after each checkpoint (for tests)

    def committed(self) -> None:
        """The writer has committed: a checkpoint is due within `interval`. Cheap, never waits."""
        if self._thread is None:
            self._start()
        self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Stop the thread after a last checkpoint."""
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=self._busy, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self._busy * 1000)}").fetchall()
            while True:
                self._wake.wait()
                self._wake.clear()
                self._checkpoint(conn)
                if self._stopping:
                    return
                time.sleep(self.interval)  # commits meanwhile gather for the next one
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:  # the writer's own autocheckpoint still bounds the log
            log.warning("WAL checkpoint failed: %s", error)
            return
        with self.ran:
            self.last = tuple(row) if row else None
            self.runs += 1
            self.ran.notify_all()
