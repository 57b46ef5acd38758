"""A team hub set up with nothing but README.md's commands ("Running a hub for a team"), run as
a person runs them, then each kind of referral end to end over the wire: the partner flow to an
accepted, invoiced prospect, the network flow to a signed referral whose contact the receiver
sees, an appointment with its area's claim window, an active lead masked per sponsor."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

import pytest

from server.hub import Hub
from tests.wire import Wire

ROOT = Path(__file__).resolve().parents[2]


def readme_blocks() -> list[list[str]]:
    """The shell blocks of README.md's "Running a hub for a team", one command per line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running a hub for a team\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


async def run(args: list[str], cwd: Path, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "triage", *args, cwd=cwd, env=dict(os.environ),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def run_line(line: str, cwd: Path, db: str, hub_url: str) -> list[str]:
    """One README line, as a shell would run it (`a > f && b`), against this test's hub and
    database; the outputs of its commands."""
    outputs = []
    for part in line.split("#", 1)[0].split("&&"):
        words = shlex.split(part)
        if not words or words[-1] == "&":
            continue  # the hub itself: this test runs it
        assert words[0] == "triage", line
        args, redirect = words[1:], None
        if ">" in args:
            args, redirect = args[: args.index(">")], args[args.index(">") + 1]
        if args[0] in ("agent", "program", "network", "window"):
            args += ["--db", db]
        elif args[0] == "submit" and "--example" not in args:
            args += ["--hub", hub_url]
        elif args[0].startswith("--"):
            continue  # the app, for a person at a terminal
        code, out, err = await run(args, cwd)
        assert code == 0, f"{line}\n{err}"
        if redirect:
            (cwd / redirect).write_text(out)
        outputs.append(out)
    return outputs


@pytest.fixture
def team_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "team"
    home.mkdir()
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    return home


async def test_a_team_set_up_from_the_readme_runs_every_kind_of_referral(
    hub: Hub, db: str, team_dir: Path
) -> None:
    setup, referrals = readme_blocks()[:2]
    for line in setup:
        await run_line(line, team_dir, db, hub.url)
    listed = (await run(["agent", "list", "--db", db], team_dir))[1]
    for person in ("P-DESK01", "P-DANA01", "P-ELI001", "P-VERA01", "P-PAT001"):
        assert person in listed
    token = {name: (team_dir / f"{name}.token").read_text().strip()
             for name in ("desk", "dana", "eli", "vera", "pat")}
    assert all(oct((team_dir / f"{n}.token").stat().st_mode & 0o777) == "0o600" for n in token)

    wires = {name: await Wire.open(hub.url, token[name], label=name) for name in token}
    try:
        created = {}
        for line in referrals:
            for out in await run_line(line, team_dir, db, hub.url):
                if found := re.search(r"created (R-\S+) \((\w+),", out):
                    created[found.group(2)] = found.group(1)
        assert set(created) == {"appointment", "active", "agent", "partner"}

        # the appointment: offered to Eli first (rank 80 over Dana's 50), for its area's 15 min
        appt = await wires["eli"].ok("referral.get", id=created["appointment"])
        offer = appt["referral"]["offer"]
        window = datetime.fromisoformat(offer["deadline"]) - datetime.fromisoformat(offer["offered_at"])
        assert window.total_seconds() == 15 * 60
        claimed = await wires["eli"].ok("claim", id=created["appointment"])
        assert claimed["referral"]["email"] == "dana.whitfield@example.com"

        # the active lead in 78704: its sponsor Eli sees phone and e-mail, Dana name and address
        lead_eli = (await wires["eli"].ok("referral.get", id=created["active"]))["referral"]
        lead_dana = (await wires["dana"].ok("referral.get", id=created["active"]))["referral"]
        assert lead_eli.get("phone") and lead_eli.get("email")
        assert lead_dana.get("street") and not lead_dana.get("phone") and not lead_dana.get("email")

        # the network referral: Dana's group (Eli) gets it; interest, pick, both sign, contact
        ref_id = created["agent"]
        masked = (await wires["eli"].ok("referral.get", id=ref_id))["referral"]
        assert masked["status"] == "new" and not masked.get("email")
        await wires["eli"].ok("interest", id=ref_id)
        await wires["dana"].ok("pick", id=ref_id, receiver="P-ELI001")
        await wires["dana"].ok("sign", id=ref_id, fee_percent=25)
        signed = await wires["eli"].ok("sign", id=ref_id, fee_percent=25)
        assert signed["referral"]["status"] == "awarded"
        assert signed["referral"]["email"] == "hannah.cole@example.com"

        # the partner prospect: Vera, the program's vendor, accepts; Pat is invoiced 500
        prospect = (await wires["vera"].ok("referral.get", id=created["partner"]))["referral"]
        assert prospect["status"] == "pending" and prospect["contact_email"] == "sam@hillcountrybuilders.com"
        await wires["vera"].ok("accept", id=created["partner"])
        invoices = (await wires["pat"].ok("invoices"))["invoices"]
        assert [invoice["amount"] for invoice in invoices] == [500.0]
    finally:
        for wire in wires.values():
            await wire.close()


async def test_every_team_change_from_the_readme_is_in_the_audit(hub: Hub, db: str, team_dir: Path) -> None:
    setup = readme_blocks()[0]
    for line in setup:
        await run_line(line, team_dir, db, hub.url)
    code, out, err = await run(["export", "--what", "audit", "--format", "json", "--hub", hub.url,
                                "--token-file", "desk.token"], team_dir)
    assert code == 0, err
    assert '"person_changed"' in out and "rank 50 -> 80" in out
    assert '"program_added"' in out and '"network_added"' in out and '"window_set"' in out
