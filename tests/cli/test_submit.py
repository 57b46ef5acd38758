"""`triage submit` against a real hub running in the test's event loop."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from server.hub import Hub
from shared.protocol import ReferralInput
from triage.common import CliError
from triage.submit import EXAMPLES, read_referral, submit


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "triage", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_submit_creates_the_referral(hub: Hub, tmp_path: Path) -> None:
    desk, token = await hub.add_person(name="Desk", roles=["concierge"])
    await hub.add_person(name="Agent", roles=["agent"], zips=["78701"])
    file = tmp_path / "appointment.json"
    file.write_text(json.dumps(EXAMPLES["appointment"]))
    code, out, err = await run_cli("submit", str(file), "--hub", hub.url, env={"TRIAGE_TOKEN": token})
    assert code == 0, err
    assert "created R-" in out and "status offered" in out
    view = await submit(hub.url, token, ReferralInput(kind="active", first_name="Ann", zip="78701"))
    assert view["status"] == "new" and view["id"].startswith("R-")


async def test_hub_errors_exit_1_with_code(hub: Hub, tmp_path: Path) -> None:
    _agent, token = await hub.add_person(name="Agent", roles=["agent"], zips=["78701"])
    with pytest.raises(CliError, match="forbidden: creating a appointment referral|forbidden"):
        await submit(hub.url, token, ReferralInput(kind="appointment", first_name="A", zip="78701"))
    file = tmp_path / "partner.json"
    file.write_text(json.dumps(EXAMPLES["partner"]))
    code, _out, err = await run_cli("submit", str(file), "--hub", hub.url, env={"TRIAGE_TOKEN": token})
    assert code == 1 and err.count("\n") == 1 and "forbidden" in err and "Traceback" not in err


async def test_bad_token_and_unreachable_hub(hub: Hub) -> None:
    data = ReferralInput(kind="active", first_name="A", zip="78701")
    with pytest.raises(CliError, match="HTTP 401"):
        await submit(hub.url, "trg_not_a_token", data)
    with pytest.raises(CliError, match="cannot reach the hub"):
        await submit("ws://127.0.0.1:1", "trg_x", data)


def test_bad_file_names_the_field(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text('{"kind": "active", "zip": 78701}')
    with pytest.raises(CliError, match=r"bad.json: not a valid referral: .*\$\.zip"):
        read_referral(str(file))
    file.write_text('{"kind": "active", "colour": "red"}')
    with pytest.raises(CliError, match="colour"):
        read_referral(str(file))
    file.write_text('{"kind": "active",')
    with pytest.raises(CliError, match="not valid JSON"):
        read_referral(str(file))
    with pytest.raises(CliError, match="cannot read"):
        read_referral(str(tmp_path / "missing.json"))


def test_bad_file_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    file = tmp_path / "bad.json"
    file.write_text('{"kind": "nonsense"}')
    assert main(["submit", str(file), "--hub", "ws://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "$.kind" in err
