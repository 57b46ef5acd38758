"""The app ends when its terminal goes away, even with its event loop stuck
(tui/terminal_watch.py): a hang-up seen on the terminal itself, no signal needed; and if asking
the app to exit does not end the process, it is ended."""

from __future__ import annotations

import os
import pty
import sys
import threading
import time

import pytest

from tui.terminal_watch import EXIT_CODE, TerminalWatch

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")


def wait(event: threading.Event, seconds: float = 5.0) -> bool:
    return event.wait(seconds)


def test_a_hung_up_terminal_asks_the_app_to_exit_then_ends_the_process() -> None:
    master, slave = pty.openpty()
    asked, ended = threading.Event(), threading.Event()
    codes: list[int] = []

    def hard_exit(code: int) -> None:
        codes.append(code)
        ended.set()

    watch = TerminalWatch(asked.set, fd=slave, grace=0.3, hard_exit=hard_exit)
    threading.Thread(target=watch._poll, daemon=True).start()  # the watch's thread, without SIGHUP
    time.sleep(0.3)
    assert not asked.is_set()  # a live terminal: nothing
    os.close(master)  # the terminal goes away (tmux killed, ssh dropped)
    assert wait(asked) and watch.lost.is_set()
    assert wait(ended) and codes == [EXIT_CODE]  # the app did not end by itself in time
    os.close(slave)


def test_sighup_asks_once() -> None:
    master, slave = pty.openpty()
    calls: list[str] = []
    watch = TerminalWatch(lambda: calls.append("exit"), fd=slave, grace=60, hard_exit=lambda c: None)
    watch.terminal_gone("SIGHUP")
    watch.terminal_gone("hang-up on the terminal")
    assert calls == ["exit"]
    os.close(master)
    os.close(slave)
