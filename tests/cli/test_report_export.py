"""`triage report` and `triage export` against a real hub running in the test's event loop."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from server.hub import Hub
from shared.protocol import ReferralInput
from triage.export import Progress, flatten, to_csv
from triage.hubclient import hub_client
from triage.report import format_table

pytestmark = pytest.mark.slow  # each test runs `python -m triage` in subprocesses: 2-4 s apiece

CLIENT = dict(kind="agent", first_name="Zoe", last_name="Quinn", email="zoe.quinn@example.com",
              phone="303-555-0101", street="9 Elm St", city="Denver", state="CO", zip="80202",
              intent="buy", fee_percent=25)


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "triage", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def call(hub: Hub, token: str, op: str, **args: Any) -> Any:
    async with hub_client(hub.url, token) as client:
        return await client.call(op, args)


async def people(hub: Hub) -> dict[str, Any]:
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    s, s_t = await hub.add_person(name="Sam Sender", zips=["78702"])
    r, r_t = await hub.add_person(name="Rita Receiver", zips=["80202"])
    o, o_t = await hub.add_person(name="Otto Other", zips=["80203"])
    for receivers in ([r.id], [r.id, o.id]):
        await hub.submit(s.id, ReferralInput(**CLIENT, mode="private", receivers=receivers))
    await hub.submit(desk.id, ReferralInput(kind="active", first_name="Al", last_name="Bee",
                                            phone="303-555-0199", zip="80202"))
    return dict(desk=desk_t, s=s_t, r=r_t, o=o_t)


async def test_report_table_and_json(hub: Hub) -> None:
    t = await people(hub)
    since, until = "2020-01-01", "2099-12-31"
    code, out, err = await run_cli("report", "--format", "json", "--since", since, "--until", until,
                                   "--hub", hub.url, env={"TRIAGE_TOKEN": t["s"]})
    assert code == 0, err
    got = json.loads(out)
    expected = await call(hub, t["s"], "report", since="2020-01-01T00:00:00+00:00",
                          until="2100-01-01T00:00:00+00:00")
    assert got == expected
    assert got["sent"] == 2 and got["asked"] == 3 and got["interest_rate"] == 0.0
    code, out, err = await run_cli("report", "--hub", hub.url, env={"TRIAGE_TOKEN": t["s"]})
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("report ") and "Sam Sender" in lines[0]
    assert any(line.startswith("interest rate") and "0.0% (0 of 3 recipients)" in line for line in lines)
    starts = {len(line) - len(line.split("  ", 1)[1].lstrip()) for line in lines[:9]}
    assert len(starts) == 1, lines[:9]  # the values start in one column
    assert sum(1 for line in lines if line[:4].isdigit()) == 12  # one line a week
    code, out, err = await run_cli("report", "--desk", "--format", "json", "--hub", hub.url,
                                   env={"TRIAGE_TOKEN": t["desk"]})
    assert code == 0, err
    assert json.loads(out)["scope"] == "desk"


async def test_desk_report_refused_for_an_agent(hub: Hub) -> None:
    t = await people(hub)
    code, out, err = await run_cli("report", "--desk", "--hub", hub.url, env={"TRIAGE_TOKEN": t["r"]})
    assert code == 1 and out == "" and err.count("\n") == 1 and "forbidden" in err
    code, _out, err = await run_cli("report", "--since", "yesterday", "--hub", hub.url,
                                    env={"TRIAGE_TOKEN": t["r"]})
    assert code == 2 and "not a date" in err


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_parsed_back_equals_the_inbox(hub: Hub, tmp_path: Path, fmt: str) -> None:
    t = await people(hub)
    for who in ("s", "r", "o"):
        out = tmp_path / f"{who}.{fmt}"
        code, stdout, err = await run_cli("export", "--what", "referrals", "--format", fmt,
                                          "--since", "2020-01-01", "--out", str(out), "--hub", hub.url,
                                          env={"TRIAGE_TOKEN": t[who]})
        assert code == 0, err
        inbox = sorted((await call(hub, t[who], "inbox"))["referrals"], key=lambda r: r["id"])
        text = out.read_text()
        if fmt == "json":
            assert sorted(json.loads(text), key=lambda r: r["id"]) == inbox
        else:
            rows = sorted(csv.DictReader(io.StringIO(text)), key=lambda r: r["id"])
            assert [r["id"] for r in rows] == [v["id"] for v in inbox]
            for row, view in zip(rows, inbox, strict=True):
                flat = flatten(view)
                assert {k: v for k, v in row.items() if v} == {k: v for k, v in flat.items() if v}
            assert rows and {"email", "phone", "street", "sender.name", "status"} <= set(rows[0])
        if who != "s":  # no receiver was awarded: contact nowhere but the sender's file
            assert "zoe.quinn@example.com" not in text and "303-555-0101" not in text and "9 Elm St" not in text
        assert "303-555-0199" not in text  # nobody here sponsors 80202
    assert "zoe.quinn@example.com" in (tmp_path / f"s.{fmt}").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files


async def test_export_audit_and_invoices_to_stdout(hub: Hub) -> None:
    t = await people(hub)
    code, out, err = await run_cli("export", "--what", "audit", "--format", "json", "--hub", hub.url,
                                   env={"TRIAGE_TOKEN": t["o"]})
    assert code == 0, err
    rows = json.loads(out)
    inbox = (await call(hub, t["o"], "inbox"))["referrals"]
    assert rows and {r["referral_id"] for r in rows} == {v["id"] for v in inbox}
    code, out, err = await run_cli("export", "--what", "invoices", "--hub", hub.url, env={"TRIAGE_TOKEN": t["o"]})
    assert code == 0 and out.splitlines() == ["id,referral_id,program_id,partner_id,amount,status,created_at"]


async def test_unwritable_out_is_one_clear_line(hub: Hub, tmp_path: Path) -> None:
    t = await people(hub)
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep me")
    for target in (tmp_path / "missing" / "out.csv", blocker / "out.csv", tmp_path):
        code, out, err = await run_cli("export", "--what", "referrals", "--out", str(target),
                                       "--hub", hub.url, env={"TRIAGE_TOKEN": t["s"]})
        assert code == 1 and out == "", err
        assert err.count("\n") == 1 and err.startswith(f"triage: cannot write {target}:"), err
        assert "Traceback" not in err
    assert blocker.read_text() == "keep me"
    assert not [p for p in tmp_path.rglob(".*.tmp")]
    # the hub unreachable: nothing written, the temp file removed
    target = tmp_path / "never.json"
    code, _out, err = await run_cli("export", "--what", "referrals", "--out", str(target),
                                    "--hub", "ws://127.0.0.1:1", env={"TRIAGE_TOKEN": t["s"]})
    assert code == 1 and "cannot reach the hub" in err and not target.exists()
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress("referrals", stream)
        bar.update(500, 2000)
        bar.update(2000, 2000)
        bar.done()
    assert "\rexporting referrals [#######" in tty.getvalue() and "2000/2000" in tty.getvalue()
    assert tty.getvalue().endswith("\n") and pipe.getvalue() == ""
    small = Tty()
    Progress("audit", small).update(10, 10)
    assert small.getvalue() == ""


def test_csv_flattening_and_table() -> None:
    text = to_csv("referrals", [{"id": "R-1", "kind": "agent", "sender": {"id": "P-1", "name": "Sam"},
                                 "actions": ["claim", "pass"], "recipients": [{"answer": ""}]}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["sender.name"] == "Sam" and row["actions"] == "claim;pass" and row["email"] == ""
    assert json.loads(row["recipients"]) == [{"answer": ""}]
    fees = dict(fee_sent=0, fee_received=0, mean_fee_percent=None, invoices=0, invoice_amount=0.0)
    table = format_table(dict(
        scope="desk", since="2026-01-01T00:00:00+00:00", until="2026-01-08T00:00:00+00:00",
        weeks=[dict(start="2026-01-01T00:00:00+00:00", received=3, sent=1)], received=3, sent=1,
        asked=0, interested=0, interest_rate=None, sent_agent=0, accepted=0, acceptance_rate=None,
        awarded=2, closed=1, conversion_rate=0.5, claims=3, median_claim_seconds=4000.0,
        earned=fees, owed=fees,
    ))
    assert "whole desk" in table and "50.0% (1 of 2 awarded)" in table and "1h 06m 40s (3 claims)" in table
