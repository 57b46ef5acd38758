"""`triage agent add|list|revoke|token` on a temp database, and the tokens at a real hub."""

from __future__ import annotations

import asyncio
import re

import pytest

from server.hub import Hub
from server.settings import HubSettings
from tests.wire import handshake_status
from triage.cli import main


def add(capsys: pytest.CaptureFixture[str], db: str, *extra: str) -> tuple[str, str]:
    assert main(["agent", "add", "--name", "Rosa Diaz", "--zip", "78701", "--zip", "78702",
                 "--sponsor-zip", "78704", "--brokerage", "Lone Star", "--rank", "80", "--db", db, *extra]) == 0
    out = capsys.readouterr().out
    person_id = re.search(r"created (P-\S+)", out).group(1)
    token = re.search(r"token: (trg_\S+)", out).group(1)
    assert "will not be shown again" in out
    return person_id, token


async def handshake(db: str, token: str) -> int:
    """The HTTP status of a websocket handshake with `token` at a real hub (101 on success)."""
    hub = Hub(HubSettings(db_url=db, port=0))
    await hub.start()
    try:
        return (await handshake_status(hub.url, token))[0]
    finally:
        await hub.stop()


def test_add_then_list_never_shows_the_token(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    person_id, token = add(capsys, db, "--role", "agent", "--role", "concierge")
    assert main(["agent", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if person_id in line)
    assert "Rosa Diaz" in line and "agent,concierge" in line
    assert "78701" in line and "78704*" in line
    assert line.split()[-1] == "1"  # one live token
    assert token not in out and "trg_" not in out


def test_revoke_makes_the_token_fail_the_handshake(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    person_id, token = add(capsys, db)
    assert asyncio.run(handshake(db, token)) == 101
    assert main(["agent", "revoke", person_id, "--db", db]) == 0
    assert "revoked 1 token" in capsys.readouterr().out
    assert asyncio.run(handshake(db, token)) == 401
    assert main(["agent", "token", person_id, "--db", db]) == 0
    out = capsys.readouterr().out
    fresh = re.search(r"token: (trg_\S+)", out).group(1)
    assert fresh != token and "will not be shown again" in out
    assert asyncio.run(handshake(db, fresh)) == 101
    main(["agent", "list", "--db", db])
    assert capsys.readouterr().out.splitlines()[1].split()[-1] == "1"


def test_unknown_person_is_one_line_exit_1(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agent", "revoke", "P-NOBODY", "--db", db]) == 1
    assert main(["agent", "token", "P-NOBODY", "--db", db]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("no person P-NOBODY" in line for line in err)


def test_list_on_a_fresh_file(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agent", "list", "--db", db]) == 0
    assert "nobody yet" in capsys.readouterr().out
