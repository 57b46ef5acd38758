"""The keys screen in a real terminal: the app under tmux at 80x24, against a live hub. The
footer shows `?` first; `?` opens every key of the inbox; it scrolls and searches from the
keyboard and closes with escape, as a person in tmux over ssh would use it."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.conftest import LiveHub

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One tmux server of our own (its own socket), one 80x24 session."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=10, check=False)
        return done.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "app", command)
        self.pid = int(self.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip() or 0)

    def screen(self) -> list[str]:
        return self.run("capture-pane", "-p", "-t", "app").splitlines()

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "app", *keys)

    async def wait_for(self, predicate, timeout: float = 20.0) -> list[str]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            lines = self.screen()
            if predicate(lines):
                return lines
            if loop.time() > end:
                raise AssertionError("not on screen:\n" + "\n".join(lines))
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        """End the session; the app must end with its terminal (it is ended here if not, so a
        failing run leaves nothing behind)."""
        self.run("kill-server")
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while self.pid and loop.time() < end:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            await asyncio.sleep(0.1)
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)


async def test_the_keys_screen_under_tmux_at_80x24(live_hub: LiveHub, tmp_path: Path) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    env = {"PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "config"), "TERM": "xterm-256color"}
    command = " ".join([
        "env", "-u", "TRIAGE_TOKEN", "-u", "TRIAGE_KEYS", "-u", "TRIAGE_CONFIG",
        *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
        shlex.quote(sys.executable), "-m", "tui", "--hub", shlex.quote(live_hub.url),
        "--token-file", shlex.quote(str(token_file)),
    ])
    tmux = Tmux(f"triage-keys-{os.getpid()}")
    tmux.start(command)
    try:
        await tmux.wait_for(lambda s: any("connected to" in line for line in s))
        # the footer, on the last line, starts with `?`: never cut off at 80 columns
        await tmux.wait_for(lambda s: len(s) == 24 and s[-1].lstrip().startswith("? Help"))
        tmux.keys("?")
        lines = await tmux.wait_for(lambda s: any("Keys · Inbox" in line for line in s))
        shown = "\n".join(lines)
        assert "accept: claim an offer" in shown
        for internal in ("Scroll Left", "Copy selected text"):
            assert internal not in shown
        tmux.keys("G")  # to the end: the app's own keys come last
        await tmux.wait_for(lambda s: any("│ q " in line and "quit" in line for line in s))
        tmux.keys("g")
        await tmux.wait_for(lambda s: any("reject or pass" in line for line in s))
        tmux.keys("/")
        tmux.keys("-l", "sign")
        lines = await tmux.wait_for(lambda s: any("sign the referral agreement" in line for line in s)
                                    and not any("reject or pass" in line for line in s))
        tmux.keys("Escape")  # clears the search
        await tmux.wait_for(lambda s: any("reject or pass" in line for line in s))
        tmux.keys("Escape")  # closes the keys screen
        await tmux.wait_for(lambda s: any("connected to" in line for line in s)
                            and not any("Keys · Inbox" in line for line in s))
    finally:
        await tmux.stop()
