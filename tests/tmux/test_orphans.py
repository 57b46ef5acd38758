"""`triage demo` leaves nothing behind when its terminal goes away, at any moment of its life:
the tmux session is killed right away, while the demo database is being seeded, once the inbox
shows, and once the inbox shows with no hang-up signal reaching the app (only the terminal's
hang-up itself). Within a timeout no process of it is left and its port is free."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from tests.tmux.conftest import Tmux, demo_command

pytestmark = pytest.mark.slow

GONE_WITHIN = 15.0  # seconds; the app's own grace is 3 s, the demo hub's 10 s at most
NO_HUP = ("import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP}); "
          "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a hub binds it
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def demo_processes(port: int) -> list[str]:
    """Every process of this demo (the app and its hub both carry `--port N`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--port" in argv and str(port).encode() in argv and any(b"triage" in a for a in argv):
            found.append(f"{entry.name}: {b' '.join(argv).decode(errors='replace')}")
    return found


def assert_all_gone(port: int) -> None:
    end = time.monotonic() + GONE_WITHIN
    while time.monotonic() < end:
        if not demo_processes(port) and port_is_free(port):
            return
        time.sleep(0.2)
    raise AssertionError(f"left behind after {GONE_WITHIN} s: {demo_processes(port)}, "
                         f"port {port} {'free' if port_is_free(port) else 'still taken'}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("moment", ["immediately", "while seeding", "inbox shown", "inbox shown, no SIGHUP"])
def test_a_killed_session_leaves_nothing_behind(tmux: Tmux, moment: str) -> None:
    port = free_port()
    command = demo_command("--port", str(port))
    if moment.endswith("no SIGHUP"):
        command = [sys.executable, "-c", NO_HUP, *command[1:]]
    tmux.start(command)
    if moment == "while seeding":
        tmux.wait_for(lambda s: "seeding demo data" in s or "connected to" in s, timeout=60)
    elif moment.startswith("inbox shown"):
        tmux.wait_for(lambda s: "connected to" in s and "Left" in s, timeout=60)
        assert demo_processes(port) and not port_is_free(port)  # the demo and its hub run
    tmux.kill()
    assert_all_gone(port)
