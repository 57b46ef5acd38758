"""`triage agent set`, `program`, `network` and `window`: bad input is refused naming the field
and changes nothing; good input is audited and reaches routing and agent search at once."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from server.hub import Hub
from tests.wire import Wire
from triage.cli import main


def triage(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def person(capsys: pytest.CaptureFixture[str], db: str, name: str, *extra: str) -> str:
    code, out, err = triage(capsys, "agent", "add", "--name", name, "--db", db,
                            "--token-file", f"{name.split()[0].lower()}.token", *extra)
    assert code == 0, err
    return re.search(r"created (P-\S+)", out).group(1)


@pytest.fixture
def people(db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {
        "agent": person(capsys, db, "Rosa Diaz", "--zip", "78701", "--rank", "40"),
        "other": person(capsys, db, "Omar Ali", "--zip", "78702"),
        "vendor": person(capsys, db, "Vera Stone", "--role", "vendor"),
        "partner": person(capsys, db, "Pat Lee", "--role", "partner"),
    }


def listed(capsys: pytest.CaptureFixture[str], db: str, person_id: str) -> str:
    code, out, _ = triage(capsys, "agent", "list", "--db", db)
    assert code == 0
    return next(line for line in out.splitlines() if line.startswith(person_id))


def test_a_bad_value_among_good_ones_changes_nothing(db: str, capsys: pytest.CaptureFixture[str],
                                                       people: dict[str, str]) -> None:
    before = listed(capsys, db, people["agent"])
    code, _, err = triage(capsys, "agent", "set", people["agent"], "--rank", "90", "--zip", "00000", "--db", db)
    assert code == 2 and "zips" in err and "00000 is not a US zip code" in err and "nothing was changed" in err
    code, _, err = triage(capsys, "agent", "set", people["agent"], "--rank", "900", "--zip", "78703", "--db", db)
    assert code == 2 and "rank must be between 0 and 100" in err
    assert listed(capsys, db, people["agent"]) == before  # neither rank nor zip codes moved


@pytest.mark.parametrize(("args", "words"), [
    (["agent", "add", "--name", "Zed", "--zip", "00000"], "00000 is not a US zip code"),
    (["agent", "set", "P-NOBODY", "--rank", "60"], "no person P-NOBODY"),
    (["agent", "set", "{agent}"], "nothing to change"),
    (["program", "add", "--name", "Title", "--vendor", "{agent}", "--intro-fee", "500"], "holds no vendor role"),
    (["program", "add", "--name", "Title", "--vendor", "{vendor}", "--percent-fee", "140"], "percent fee must be above 0 and at most 100"),
    (["program", "add", "--name", "Title", "--vendor", "{vendor}", "--intro-fee", "-5"], "introduction fee must be between 0"),
    (["program", "set", "PRG-NOPE", "--intro-fee", "5"], "no program PRG-NOPE"),
    (["network", "add", "--name", "Circle", "--owner", "{agent}"], "needs at least one member"),
    (["network", "add", "--name", "Circle", "--owner", "{agent}", "--member", "{partner}"], "is not an agent"),
    (["network", "add", "--name", "Circle", "--owner", "{partner}", "--member", "{agent}"], "owner"),
    (["window", "set", "000", "--minutes", "10"], "no US zip code starts with 000"),
    (["window", "set", "787", "--seconds", "0"], "at least 1 second"),
])
def test_bad_input_is_refused_naming_the_field(db: str, capsys: pytest.CaptureFixture[str], people: dict[str, str],
                                               args: list[str], words: str) -> None:
    before = triage(capsys, "agent", "list", "--db", db)[1], triage(capsys, "program", "list", "--db", db)[1]
    code, out, err = triage(capsys, *[a.format(**people) for a in args], "--db", db)
    assert code in (1, 2) and words in err and "Traceback" not in err, err
    after = triage(capsys, "agent", "list", "--db", db)[1], triage(capsys, "program", "list", "--db", db)[1]
    assert after == before


def test_a_program_and_a_network_are_made_and_changed(db: str, capsys: pytest.CaptureFixture[str],
                                                     people: dict[str, str]) -> None:
    code, out, err = triage(capsys, "program", "add", "--id", "PRG-TITLE", "--name", "Title", "--vendor",
                            people["vendor"], "--intro-fee", "500", "--claim-window", "600", "--db", db)
    assert code == 0, err
    code, out, err = triage(capsys, "program", "set", "PRG-TITLE", "--percent-fee", "2.5", "--default-window", "--db", db)
    assert code == 0 and "2.5% fee" in out and "default claim window" in out
    code, out, _ = triage(capsys, "network", "add", "--name", "Circle", "--owner", people["agent"],
                          "--member", people["other"], "--db", db)
    group = re.search(r"created (NET-\S+)", out).group(1)
    code, _, err = triage(capsys, "network", "set", group, "--remove", people["other"], "--db", db)
    assert code == 2 and "needs at least one member" in err  # never an empty group
    code, out, _ = triage(capsys, "network", "list", "--db", db)
    assert group in out and people["other"] in out


async def test_a_change_reaches_search_and_routing_at_once(hub: Hub, db: str) -> None:
    desk, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    rosa, rosa_token = await hub.add_person(name="Rosa Diaz", zips=["78701"], rank_score=40)
    omar, _ = await hub.add_person(name="Omar Ali", zips=["78701"], rank_score=60)
    wire = await Wire.open(hub.url, rosa_token)
    desk_wire = await Wire.open(hub.url, desk_token)
    try:
        assert (await wire.ok("agents.search", language="Spanish"))["agents"] == []  # loaded now
        code = await asyncio.to_thread(main, ["agent", "set", rosa.id, "--language", "Spanish",
                                              "--rank", "95", "--db", db])
        assert code == 0
        found = (await wire.ok("agents.search", language="Spanish"))["agents"]
        assert [card["id"] for card in found] == [rosa.id]  # not 60 s later: the next search
        dry = (await desk_wire.ok("routing.dry_run", zip="78701"))["agents"]
        assert [row["agent"]["id"] for row in dry if row["eligible"]][:2] == [rosa.id, omar.id]
    finally:
        await wire.close()
        await desk_wire.close()


async def test_a_change_from_the_command_line_is_pushed_to_the_desk_and_the_person(hub: Hub, db: str) -> None:
    _, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    rosa, rosa_token = await hub.add_person(name="Rosa Diaz", zips=["78701"], rank_score=40)
    desk, agent = await Wire.open(hub.url, desk_token), await Wire.open(hub.url, rosa_token)
    try:
        code = await asyncio.to_thread(main, ["agent", "set", rosa.id, "--rank", "75", "--db", db])
        assert code == 0
        for wire in (desk, agent):  # another process wrote it: the hub's 2 s check pushes it
            event = await wire.event_where(lambda e: e["name"] == "team.changed", timeout=15)
            assert event["data"] == {"what": "person", "id": rosa.id, "action": "person_changed",
                                     "reason": "rank 40 -> 75"}
    finally:
        await desk.close()
        await agent.close()
