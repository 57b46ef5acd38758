"""The app ends when its terminal goes away (a killed tmux session, a dropped ssh connection), at
any moment of its life, even when its event loop cannot run any more.

Why the event loop alone is not enough: once the terminal is gone, Textual's output thread dies on
its first write (EIO) and the app's next writes block for good on that thread's full queue; from
then on no timer, no message and no asyncio signal handler of the app runs. An app left like that
held the demo database and its port for 35 minutes. So the watch stands outside the loop:

- SIGHUP gets a plain Python handler (it runs on the main thread even while it waits on a lock);
- a thread polls the terminal for a hang-up (POLLHUP / POLLERR: a hung-up tty reports them at
  once) and checks every second that stdin is still a terminal (isatty fails on a hung-up tty);
- either one asks the app to exit, and if the process is still there `GRACE_SECONDS` later it
  ends it with `os._exit` (nothing is left to restore on a terminal that is gone; an unsent
  new referral is already on disk, tui/drafts.py).
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

GRACE_SECONDS = 3.0
EXIT_CODE = 129  # 128 + SIGHUP, as a shell reports a hung-up process


class TerminalWatch:
    def __init__(self, on_lost: Callable[[], Any], fd: int | None = None,
                 grace: float = GRACE_SECONDS, hard_exit: Callable[[int], Any] = os._exit) -> None:
        self.on_lost = on_lost  # asks the app to exit (called from any thread: must be thread-safe)
        self.fd = sys.__stdin__.fileno() if fd is None and sys.__stdin__ is not None else fd
        self.grace = grace
        self.hard_exit = hard_exit
        self.lost = threading.Event()
        self._stopped = threading.Event()
        self._previous_hup: Any = None

    def start(self) -> None:
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGHUP"):
            self._previous_hup = signal.signal(signal.SIGHUP, self._hangup)
        threading.Thread(target=self._poll, name="terminal-watch", daemon=True).start()

    def stop(self) -> None:
        """The app ended by itself: stop watching (the hard exit stays armed once lost)."""
        self._stopped.set()
        if self._previous_hup is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGHUP, signal.SIG_DFL)  # what is left of the process dies of it
            self._previous_hup = None

    def _hangup(self, _signum: int, _frame: Any) -> None:
        self.terminal_gone("SIGHUP")

    def terminal_gone(self, why: str) -> None:
        if self.lost.is_set():
            return
        self.lost.set()
        log.warning("the terminal went away (%s): ending", why)
        threading.Thread(target=self._end_anyway, name="terminal-gone", daemon=True).start()
        try:
            self.on_lost()
        except Exception:  # whatever happens, the hard exit follows
            log.exception("asking the app to exit failed")

    def _end_anyway(self) -> None:
        # a daemon thread: when the process ends by itself first, this never wakes
        time.sleep(self.grace)
        self.hard_exit(EXIT_CODE)

    def _poll(self) -> None:
        fd = self.fd
        if fd is None:
            return
        poller = select.poll() if hasattr(select, "poll") else None
        if poller is not None:
            poller.register(fd, 0)  # no events asked for: only POLLHUP / POLLERR / POLLNVAL come
        while not self._stopped.is_set() and not self.lost.is_set():
            try:
                if poller is not None and poller.poll(1000):
                    self.terminal_gone("hang-up on the terminal")
                    return
                if poller is None:
                    self._stopped.wait(1.0)
                if not os.isatty(fd):
                    self.terminal_gone("stdin is no terminal any more")
                    return
            except (OSError, ValueError) as exc:
                self.terminal_gone(f"the terminal cannot be read: {exc}")
                return
