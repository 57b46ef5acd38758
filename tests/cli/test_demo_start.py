"""`triage demo`'s start: the app reads the same config as `triage tui` (theme, alerts, [keys]),
the demo database appears whole or not at all, and the demo hub process ends with its parent."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from triage import democmd

ROOT = Path(__file__).resolve().parents[2]


class FakeHub:
    """Stands in for the demo hub's process: ready at once."""

    def __init__(self, *args: Any) -> None:
        self.stopped = False

    def wait_ready(self, say: Any = None) -> dict[str, Any]:
        return {"url": "ws://127.0.0.1:1", "port": 1, "token": "trg_demo", "agent": "Maya"}

    def stop(self) -> bool:
        self.stopped = True
        return True


def test_the_demo_app_reads_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import TriageApp

    config = tmp_path / "config.toml"
    config.write_text('theme = "nord"\n[notifications]\ndesktop = false\nbell = false\n'
                      '[keys]\n"triage.new" = "N"\n')
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(democmd, "DemoHub", FakeHub)
    apps: list[TriageApp] = []
    monkeypatch.setattr(TriageApp, "run", lambda self, *a, **k: apps.append(self))
    args = argparse.Namespace(db=None, as_name=None, port=0, keys="triage.reject=X")
    assert democmd.cmd_demo(args) == 0
    [app] = apps
    assert app.theme == "nord"
    assert app.alerts.desktop is False and app.alerts.bell is False
    keymap = getattr(app, "_keymap")  # what set_keymap got
    assert keymap["triage.new"] == "N" and keymap["triage.reject"] == "X"
    assert app.session.url == "ws://127.0.0.1:1" and app.drafts is not None


def test_a_bad_config_stops_the_demo_with_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.common import CliError

    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\n')
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setattr(democmd, "DemoHub", FakeHub)
    with pytest.raises(CliError) as caught:
        democmd.cmd_demo(argparse.Namespace(db=None, as_name=None, port=0, keys=None))
    assert caught.value.code == 2 and "unknown theme" in caught.value.message


async def test_a_seed_that_fails_leaves_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from server import demo
    from triage.demohub import create_seeded

    async def broken(hub: Any, rng: Any = None) -> None:
        await hub.add_person(person_id="P-x", name="Half Seeded", roles=["agent"])
        raise RuntimeError("killed half way")

    monkeypatch.setattr(demo, "seed", broken)
    path = tmp_path / "demo.sqlite3"
    with pytest.raises(RuntimeError):
        await create_seeded(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


async def test_a_new_demo_database_appears_whole(tmp_path: Path) -> None:
    import sqlite3

    from triage.demohub import create_seeded

    steps: list[str] = []
    path = tmp_path / "demo.sqlite3"
    await create_seeded(path, steps.append)
    assert steps == ["creating the schema", "seeding demo data"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite3"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("select count(*) from persons").fetchone()[0] > 30


def start_demo_hub(tmp_path: Path, parent: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "triage.demohub", "--db", f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}",
         "--parent", str(parent), "--log", str(tmp_path / "demo.log")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def read_until_ready(hub: subprocess.Popen[bytes]) -> list[dict[str, Any]]:
    assert hub.stdout is not None
    said = []
    while line := hub.stdout.readline():
        said.append(json.loads(line))
        if "ready" in said[-1] or "error" in said[-1]:
            break
    return said


@pytest.mark.slow
def test_the_demo_hub_says_its_steps_and_stops_when_its_pipe_closes(tmp_path: Path) -> None:
    hub = start_demo_hub(tmp_path, os.getpid())
    said = read_until_ready(hub)
    assert [m.get("step") for m in said[:-1]] == [
        "creating the demo database", "creating the schema", "seeding demo data", "starting the demo hub"]
    assert said[-1]["ready"]["token"].startswith("trg_") and said[-1]["ready"]["port"] > 0
    assert hub.stdin is not None
    hub.stdin.close()  # the parent is done (or gone: the kernel closes it then)
    assert hub.wait(15) == 0
    assert "hub stopped" in (tmp_path / "demo.log").read_text()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_the_demo_hub_dies_with_its_parent_even_if_its_pipe_is_held_open(tmp_path: Path) -> None:
    """A parent killed outright (SIGKILL): PR_SET_PDEATHSIG ends the hub even though another
    process (here: this test) still holds its stdin open."""
    script = (
        "import os, subprocess, sys, time\n"
        f"hub = subprocess.Popen([sys.executable, '-m', 'triage.demohub', '--db', "
        f"'sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}', '--parent', str(os.getpid()), "
        f"'--log', '{tmp_path / 'demo.log'}'], stdin=0, stdout=subprocess.DEVNULL)\n"
        "print(hub.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert parent.stdout is not None
    hub_pid = int(parent.stdout.readline())
    time.sleep(2.0)  # mid-start or serving: either way
    parent.send_signal(signal.SIGKILL)
    parent.wait(5)
    end = time.monotonic() + 15
    while time.monotonic() < end:
        try:
            os.kill(hub_pid, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{hub_pid}/stat").read_text().split()[2] == "Z":
            break  # gone, waiting to be reaped by init
        time.sleep(0.1)
    else:
        os.kill(hub_pid, signal.SIGKILL)
        raise AssertionError("the demo hub outlived its parent")
    assert parent.stdin is not None
    parent.stdin.close()
