"""`y` under a real tmux at 80x24: the revealed phone reaches tmux's clipboard through OSC 52
(tmux with `set-clipboard on` takes it into its paste buffer, and passes it on to the terminal
outside). The app runs as `triage --hub URL` in its own tmux server; the hub runs in the test."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.tui.conftest import LiveHub, raw_request
from tests.tui.test_live_hub import APPOINTMENT

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="no tmux")


async def tmux(socket: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec("tmux", "-S", str(socket), *args,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return out.decode()


async def until(check, timeout: float = 15.0) -> str:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError("not within time")
        await asyncio.sleep(0.1)


async def test_y_copies_the_phone_through_tmux(live_hub: LiveHub, tmp_path: Path) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    ref = await live_hub.submit(desk, **{**APPOINTMENT, "email": ""})  # one phone: no choice to make
    assert (await raw_request(live_hub.url, token, "claim", {"id": ref}))["type"] == "reply"
    socket = tmp_path / "tmux.sock"
    env = {"TRIAGE_TOKEN": token, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHONPATH": str(ROOT)}
    command = " ".join([*(f"{k}={v}" for k, v in env.items()), sys.executable, "-m", "triage",
                        "--hub", live_hub.url])
    await tmux(socket, "-f", os.devnull, "new-session", "-d", "-x", "80", "-y", "24", command)
    try:
        await tmux(socket, "set", "-g", "set-clipboard", "on")

        async def screen() -> str:
            return await tmux(socket, "capture-pane", "-p")

        await until(lambda: _has(screen, "Dana Cole"), timeout=60)  # a busy machine starts slowly

        async def copied() -> bool:  # `y` again until the inbox has its row under the cursor
            await tmux(socket, "send-keys", "y")
            return await _has(screen, "Copied +1 512 555 0100")

        await until(copied, timeout=60)
        assert (await tmux(socket, "show-buffer")).strip() == "+1 512 555 0100"
    finally:
        await tmux(socket, "kill-server")


async def _has(screen, text: str) -> bool:
    return text in await screen()
