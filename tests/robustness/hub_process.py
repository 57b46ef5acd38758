"""`triage hub` as a real subprocess on a fixed loopback port: started, waited for, killed with
SIGKILL at any moment, restarted on the same SQLite file. Its stderr goes to one log file per
run; `logs()` returns them all for the session's log check."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY_LINE = "hub listening on"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HubProcess:
    def __init__(self, db_path: Path, workdir: Path, claim_window: int = 1800,
                 env: dict[str, str] | None = None) -> None:
        self.db_path = db_path
        self.extra_env = env or {}
        self.workdir = workdir
        self.port = free_port()
        self.claim_window = claim_window
        self.runs = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._log_paths: list[Path] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 30.0) -> float:
        """Start the hub and wait until it listens; return how long that took."""
        self.runs += 1
        log_path = self.workdir / f"hub-run-{self.runs:03d}.log"
        self._log_paths.append(log_path)
        env = {**os.environ, "XDG_CONFIG_HOME": str(self.workdir / "config"),
               "XDG_DATA_HOME": str(self.workdir / "data")}
        env.pop("TRIAGE_HUB_CONFIG", None)
        env.update(self.extra_env)
        started = time.monotonic()
        with log_path.open("wb") as stderr:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "triage", "hub", "--db", str(self.db_path),
                "--port", str(self.port), "--claim-window", str(self.claim_window),
                stdout=subprocess.DEVNULL, stderr=stderr, env=env,
            )
        while READY_LINE not in log_path.read_text(errors="replace"):
            if self.proc.returncode is not None:
                raise RuntimeError(f"the hub exited with {self.proc.returncode}: {log_path.read_text()}")
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"the hub did not listen within {timeout} s")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a power cut or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.proc = None

    async def stop(self) -> int:
        """SIGTERM and wait: the clean way; returns the exit code."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        self.proc = None
        return code

    def logs(self) -> list[tuple[str, str]]:
        return [(path.name, path.read_text(errors="replace")) for path in self._log_paths if path.exists()]
