"""`triage audit verify` and `triage audit export` on the database of a real hub: the chain a
running hub writes verifies; the table refuses edits; an entry edited or deleted behind the
hub's back (triggers dropped with raw sqlite3) is named; the evidence for one referral holds its
entries, hashes and status, and no client contact."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.sqlite_only  # tampers with the SQLite file itself (PostgreSQL: tests/multihub)

from server.events import audit_chain
from server.events.audit_chain import entry_hash
from server.hub import Hub
from shared.protocol import ReferralInput
from triage.cli import main
from triage.hubclient import hub_client

CLIENT: dict[str, Any] = {
    "kind": "agent", "first_name": "Zoe", "last_name": "Quinn", "email": "zoe.quinn@example.com",
    "phone": "303-555-0101", "street": "9 Elm St", "city": "Denver", "state": "CO", "zip": "80202",
    "intent": "buy", "fee_percent": 25,
}
CONTACT = ("zoe.quinn@example.com", "303-555-0101", "9 Elm St", "Quinn")


def db_file(db: str) -> Path:
    return Path(db.split(":///", 1)[1])


async def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `triage ARGS` (it runs its own event loop, so in a thread) and capture its output."""
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def call(hub: Hub, token: str, op: str, **args: Any) -> Any:
    async with hub_client(hub.url, token) as client:
        return await client.call(op, args)


async def dispute(hub: Hub) -> str:
    """An agent referral taken to signed agreements (contact revealed), plus another referral,
    so the disputed one's entries are interleaved with others in the chain."""
    sam, sam_t = await hub.add_person(name="Sam Sender", zips=["78702"])
    rita, rita_t = await hub.add_person(name="Rita Receiver", zips=["80202"])
    ref = await hub.submit(sam.id, ReferralInput(**CLIENT, mode="private", receivers=[rita.id]))
    await hub.submit(sam.id, ReferralInput(**CLIENT, mode="private", receivers=[rita.id]))
    await call(hub, rita_t, "interest", id=ref)
    await call(hub, sam_t, "pick", id=ref, receiver=rita.id)
    await call(hub, sam_t, "sign", id=ref, fee_percent=25)
    await call(hub, rita_t, "sign", id=ref, fee_percent=25)
    return ref


def rows(db: str, sql: str = "SELECT id, referral_id, action FROM audit ORDER BY id") -> list[tuple]:
    with sqlite3.connect(db_file(db)) as con:
        return con.execute(sql).fetchall()


def tamper(db: str, *statements: str) -> None:
    """What someone with the file and sqlite3 could do: drop the guards, then change rows."""
    con = sqlite3.connect(db_file(db))
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("DROP TRIGGER audit_no_delete")
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


async def test_the_chain_a_running_hub_writes_verifies(hub: Hub, db: str, capsys) -> None:
    await dispute(hub)
    sender, _ = await hub.add_person(name="Desk", roles=["concierge"])
    await asyncio.gather(*(
        hub.submit(sender.id, ReferralInput(kind="active", first_name="Al", last_name=f"B{i}", zip="80202"))
        for i in range(10)
    ))
    count = len(rows(db))
    assert count >= 16
    code, out, _ = await cli(capsys, "audit", "verify", "--db", db)
    assert code == 0
    assert f"audit chain intact: {count} entries" in out
    head = rows(db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert f"head: entry {head[0]} {head[1]}" in out


async def test_the_audit_table_refuses_update_and_delete(hub: Hub, db: str) -> None:
    await dispute(hub)
    con = sqlite3.connect(db_file(db))
    with pytest.raises(sqlite3.DatabaseError, match="audit is append-only"):
        con.execute("UPDATE audit SET reason = 'nothing happened' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="audit is append-only"):
        con.execute("DELETE FROM audit WHERE id = 2")
    con.close()


async def test_an_edited_entry_is_named(hub: Hub, db: str, capsys) -> None:
    await dispute(hub)
    tamper(db, "UPDATE audit SET reason = 'never interested' WHERE id = 3")
    code, out, err = await cli(capsys, "audit", "verify", "--db", db)
    assert code == 1
    assert out.splitlines() == ["entry 3: edited: its fields no longer match its hash"]
    assert "audit chain broken: 1 problem(s)" in err


async def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(hub: Hub, db: str, capsys) -> None:
    await dispute(hub)
    (entry,) = rows(db, "SELECT id, referral_id, actor_id, action, from_status, to_status, reason, at,"
                        " prev_hash FROM audit WHERE id = 3")
    keys = ("id", "referral_id", "actor_id", "action", "from_status", "to_status", "reason", "at",
            "prev_hash")
    forged = entry_hash(**{**dict(zip(keys, entry)), "reason": "never interested"})
    tamper(db, f"UPDATE audit SET reason = 'never interested', hash = '{forged}' WHERE id = 3")
    code, out, _ = await cli(capsys, "audit", "verify", "--db", db)
    assert code == 1
    assert out.splitlines() == [
        ("entry 4: link: its prev_hash does not match entry 3's hash: an entry before it was "
         "deleted or rewritten")
    ]


async def test_a_deleted_entry_is_named(hub: Hub, db: str, capsys) -> None:
    await dispute(hub)
    tamper(db, "DELETE FROM audit WHERE id = 4")
    code, out, _ = await cli(capsys, "audit", "verify", "--db", db)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "entry 4: deleted: missing from the chain"
    assert lines[1].startswith("entry 5: link:")
    assert len(lines) == 2


async def test_verify_reads_the_chain_in_pages_without_losing_a_link(hub: Hub, db: str) -> None:
    await dispute(hub)
    async with hub.db.read() as session:
        whole = await audit_chain.verify(session)
        paged = await audit_chain.verify(session, page=3)
    assert whole.intact and paged.intact and paged.entries == whole.entries > 6
    tamper(db, "DELETE FROM audit WHERE id IN (4, 7)")  # the last of page 1, the first of page 3
    async with hub.db.read() as session:
        report = await audit_chain.verify(session, page=3)
    assert [p.describe().split(":")[0] for p in report.problems] == [
        "entry 4", "entry 5", "entry 7", "entry 8"
    ]


async def test_evidence_json_has_every_entry_with_hashes_and_no_contact(hub: Hub, db: str, capsys) -> None:
    ref = await dispute(hub)
    code, out, _ = await cli(capsys, "audit", "export", ref, "--db", db)
    assert code == 0
    doc = json.loads(out)
    assert doc["referral"]["id"] == ref and doc["referral"]["status"] == "awarded"
    assert doc["chain"]["intact"] is True and doc["chain"]["problems"] == []
    stored = rows(db, f"SELECT id, action, prev_hash, hash FROM audit WHERE referral_id = '{ref}' ORDER BY id")
    assert [(e["id"], e["action"], e["prev_hash"], e["hash"]) for e in doc["entries"]] == stored
    assert {e["verified"] for e in doc["entries"]} == {"intact"}
    actions = [e["action"] for e in doc["entries"]]
    assert actions[0] == "created" and "contact_revealed" in actions
    assert doc["exported_at"].endswith("Z")
    for secret in CONTACT:
        assert secret not in out


async def test_evidence_csv_after_tampering_marks_the_entry(hub: Hub, db: str, capsys, tmp_path: Path) -> None:
    ref = await dispute(hub)
    first = rows(db, f"SELECT min(id) FROM audit WHERE referral_id = '{ref}'")[0][0]
    tamper(db, f"UPDATE audit SET actor_id = 'P-nobody' WHERE id = {first}")
    out_file = tmp_path / "evidence.csv"
    code, _, err = await cli(capsys, "audit", "export", ref, "--format", "csv", "--out", str(out_file),
                             "--db", db)
    assert code == 0 and "chain BROKEN" in err
    table = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert [int(r["entry_id"]) for r in table] == [
        i for (i,) in rows(db, f"SELECT id FROM audit WHERE referral_id = '{ref}' ORDER BY id")
    ]
    assert {r["chain_intact"] for r in table} == {"false"}
    assert table[0]["verified"] == f"entry {first}: edited: its fields no longer match its hash"
    assert all(r["verified"] == "intact" for r in table[1:])
    assert {r["referral_status"] for r in table} == {"awarded"}
    for secret in CONTACT:
        assert secret not in out_file.read_text()


async def test_unknown_referral_and_missing_database_are_clear_errors(hub: Hub, db: str, capsys,
                                                                      tmp_path: Path) -> None:
    code, _, err = await cli(capsys, "audit", "export", "R-nope", "--db", db)
    assert code == 1 and "no referral R-nope" in err
    missing = tmp_path / "elsewhere" / "hub.sqlite3"
    code, _, err = await cli(capsys, "audit", "verify", "--db", str(missing))
    assert code == 1 and f"no database at {missing}" in err
    assert not missing.exists()
