"""The app in a real terminal: tmux runs it (each test on its own tmux server, `tmux -L`), keys go
in with `send-keys`, the screen comes back with `capture-pane`. Skipped where tmux is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Tmux:
    """One tmux server of a test's own (`-L`), with one session `t`."""

    def __init__(self, name: str, home: Path) -> None:
        self.name = name
        self.home = home  # XDG_* directories of the app under test live here

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=30, check=check)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_DATA_HOME": str(self.home / "data"),
            "XDG_STATE_HOME": str(self.home / "state"),
            "XDG_CACHE_HOME": str(self.home / "cache"),
        }
        env.update(extra)
        return env

    def start(self, command: list[str], size: tuple[int, int] = (100, 30), **env: str) -> None:
        """A new session running `command` in a clean environment but tmux's own TMUX and
        TMUX_PANE (the shell execs it: the command is the pane's process)."""
        settings = self.env(**env)
        exports = [f"{k}={v}" for k, v in settings.items()]
        keep = 'exec env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" "$@"'
        self.run("new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), "-c", str(ROOT),
                 "sh", "-c", keep, "sh", *exports, *command)
        self.run("set", "-g", "remain-on-exit", "off")

    def pane_pid(self) -> int:
        return int(self.run("display", "-p", "-t", "t", "#{pane_pid}").stdout.strip())

    def send(self, *keys: str, literal: bool = False) -> None:
        """One `send-keys` call: what it sends reaches the pane as one burst."""
        self.run("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t", check=False).stdout

    def wait_for(self, predicate: Callable[[str], Any], timeout: float = 30.0) -> str:
        end = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > end:
                raise AssertionError(f"not on the screen within {timeout} s:\n{text}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = Tmux(f"triage-test-{os.getpid()}-{time.monotonic_ns()}", tmp_path / "home")
    server.home.mkdir()
    try:
        yield server
    finally:
        server.kill()


def demo_command(*args: str) -> list[str]:
    """`triage demo`, from this checkout, with the test's interpreter."""
    return [sys.executable, "-m", "triage", "demo", *args]
