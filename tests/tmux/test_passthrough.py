"""Desktop alerts leave tmux: the app inside tmux wraps OSC 9 / OSC 777 in tmux's passthrough,
and tmux (allow-passthrough on) hands them to the terminal around it. The outer terminal here is
a pty this test reads, with a tmux client attached on it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from tests.tmux.alert_app import BODY, TITLE
from tests.tmux.conftest import Tmux

pytestmark = pytest.mark.slow


class OuterTerminal:
    """A pty with a tmux client attached: what tmux writes to its terminal, as bytes."""

    def __init__(self, tmux: Tmux, size: tuple[int, int] = (100, 30)) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.client = subprocess.Popen(
            ["tmux", "-L", tmux.name, "attach", "-t", "t"], stdin=slave, stdout=slave, stderr=slave,
            env=tmux.env(), start_new_session=True)
        os.close(slave)
        self.received = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.received += data

    def wait_for(self, needle: bytes, timeout: float = 20.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if needle in self.received:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.client.terminate()
        try:
            self.client.wait(5)
        except subprocess.TimeoutExpired:
            self.client.kill()
        os.close(self.master)


def run_alert_app(tmux: Tmux, passthrough: str) -> OuterTerminal:
    tmux.start([sys.executable, "-m", "tests.tmux.alert_app"], size=(100, 30))
    tmux.run("set", "-g", "allow-passthrough", passthrough)
    return OuterTerminal(tmux)


def test_the_alert_reaches_the_terminal_around_tmux(tmux: Tmux) -> None:
    outer = run_alert_app(tmux, "on")
    try:
        assert outer.wait_for(f"\x1b]9;{TITLE}: {BODY}\x07".encode()), bytes(outer.received)[-2000:]
        assert outer.wait_for(f"\x1b]777;notify;{TITLE};{BODY}\x07".encode())
        assert b"Ptmux;" not in outer.received  # tmux unwrapped it
    finally:
        outer.close()


def test_with_passthrough_off_the_app_says_how_to_turn_it_on(tmux: Tmux) -> None:
    outer = run_alert_app(tmux, "off")
    try:
        screen = tmux.wait_for(lambda s: "allow-passthrough" in s, timeout=20)
        assert "Desktop alerts" in screen
        assert not outer.wait_for(b"\x1b]9;", timeout=2)  # and indeed tmux kept them in
    finally:
        outer.close()
