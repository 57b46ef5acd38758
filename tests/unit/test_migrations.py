"""The Alembic migrations build exactly the schema the models describe, and upgrade a database
that already holds data without losing it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Select, create_engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from server.events import audit_chain
from server.storage import people
from server.storage.database import Database, alembic_config
from server.storage.models import (
    OFFER_IS_OPEN,
    Base,
    Delivery,
    Offer,
    Person,
    PersonRole,
    has_role,
)
from shared.domain import Role


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    await db.migrate()  # a second start finds nothing to do
    await db.close()
    with create_engine(f"sqlite:///{path}").connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrade_keeps_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO persons (id, name, roles, brokerage, city, rank_score, paused, timezone,"
            " last_seq, created_at) VALUES ('P-1', 'Dana Cole', 'agent', '', '', 50, 0, 'UTC', 0,"
            " '2026-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO referrals (id, kind, status, sender_id, first_name, last_name, email, phone,"
            " street, city, state, zip, timeframe, intent, notes, lead_type, company, contact_person,"
            " contact_email, contact_phone, title, website, duplicate_of, created_at, updated_at)"
            " VALUES ('R-1', 'agent', 'draft', 'P-1', 'Ann', 'Lee', 'a@x.com', '', '', '', '', '78701',"
            " '', '', '', '', '', '', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    rows = sqlite3.connect(path).execute("SELECT id, email, duplicate_reason, link FROM referrals").fetchall()
    assert rows == [("R-1", "a@x.com", "", None)]


def test_upgrade_chains_existing_audit_entries_and_guards_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
        for i, (action, at) in enumerate(
            [("created", "2026-01-01 00:00:00"), ("interested", "2026-01-01 00:05:00.250000"),
             ("declined", "2026-01-02 09:00:00")], start=1):
            conn.exec_driver_sql(
                "INSERT INTO audit (id, referral_id, actor_id, action, from_status, to_status, reason, at)"
                f" VALUES ({i}, 'R-1', 'P-1', '{action}', NULL, 'new', 'why {i}', '{at}')"
            )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    con = sqlite3.connect(path)
    chained = con.execute("SELECT id, prev_hash, hash FROM audit ORDER BY id").fetchall()
    assert chained[0][1] == "0" * 64
    assert [row[1] for row in chained[1:]] == [row[2] for row in chained[:-1]]
    assert len({row[2] for row in chained}) == 3 and all(len(row[2]) == 64 for row in chained)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit WHERE id = 1")
    con.close()

    async def verify() -> object:
        db = Database(f"sqlite+aiosqlite:///{path}")
        async with db.read() as session:
            report = await audit_chain.verify(session)
        await db.close()
        return report

    report = asyncio.run(verify())
    assert report.intact and report.entries == 3


def _plan(conn: Connection, query: Select[Any]) -> str:
    compiled = query.compile(conn)
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
    return " / ".join(row[-1] for row in rows)


def test_offer_lookups_use_indexes_that_do_not_walk_an_agents_history(tmp_path: Path) -> None:
    """An agent's open offers (inbox, audience) come from the partial index of open offers
    (migration 0007), and a claim finds the agent's offer of one referral through the referral,
    not by walking every offer the agent was ever made."""
    path = tmp_path / "hub.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_offers_open_agent'"
        ).scalar_one()
        assert "WHERE state = 'open'" in sql
        open_offers = select(Offer.referral_id).where(Offer.agent_id == "P-1", OFFER_IS_OPEN)
        assert "USING INDEX ix_offers_open_agent (agent_id=?)" in _plan(conn, open_offers)
        claim = select(Offer).where(Offer.referral_id == "R-1", Offer.agent_id == "P-1")
        assert "USING INDEX ix_offers_referral_agent (referral_id=? AND agent_id=?)" in _plan(
            conn, claim
        )
    engine.dispose()


def test_the_prune_finds_an_old_events_deliveries_by_the_event(tmp_path: Path) -> None:
    """Deleting an event cascades to its deliveries, and SQLite finds them with the lookup below:
    through the index of migration 0012, not by reading every delivery kept (a prune of 2,000
    old events with 400,000 newer deliveries held the writer 51 s that way)."""
    path = tmp_path / "hub.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        cascade = select(Delivery.person_id).where(Delivery.event_id == 1)
        assert "USING COVERING INDEX ix_deliveries_event (event_id=?)" in _plan(conn, cascade) or (
            "USING INDEX ix_deliveries_event (event_id=?)" in _plan(conn, cascade)
        )
        conn.exec_driver_sql("INSERT INTO persons (id, name, brokerage, city, rank_score, paused,"
                             " timezone, last_seq, created_at) VALUES ('P-1', 'P', '', '', 1, 0,"
                             " 'UTC', 2, '2026-01-01 00:00:00')")
        for event_id, at in ((1, "2026-01-01 00:00:00"), (2, "2026-02-01 00:00:00")):
            conn.exec_driver_sql("INSERT INTO events (id, referral_id, name, at, body) VALUES"
                                 " (?, 'R-1', 'referral.upsert', ?, x'7b7d')", (event_id, at))
            conn.exec_driver_sql("INSERT INTO deliveries (person_id, seq, event_id, at) VALUES"
                                 " ('P-1', ?, ?, ?)", (event_id, event_id, at))
    engine.dispose()
    raw = sqlite3.connect(path)  # as the hub's connections are: foreign keys on
    try:
        raw.execute("PRAGMA foreign_keys=ON")
        with raw:
            raw.execute("DELETE FROM events WHERE at < '2026-01-15'")
        left = raw.execute("SELECT seq, event_id FROM deliveries").fetchall()
    finally:
        raw.close()
    assert left == [(2, 2)]  # the old event's delivery went with it


OLD_PEOPLE = {  # id: the comma-separated roles a database at 0007 holds
    "P-A": "agent",
    "P-AP": "agent,partner",
    "P-V": "vendor",
    "P-C": "concierge",
    "P-ALL": "concierge,vendor,partner,agent",
    "P-SPACED": "partner, Agent,partner",  # LIKE ignored ASCII case; the split ignores spaces
    "P-NONE": "",
}


def _seed_0007(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007")
        for pid, roles in OLD_PEOPLE.items():
            conn.exec_driver_sql(
                "INSERT INTO persons (id, name, roles, brokerage, city, rank_score, paused,"
                " timezone, last_seq, created_at) VALUES (?, ?, ?, '', '', 50, 0, 'UTC', 0,"
                " '2026-01-01 00:00:00')", (pid, f"Person {pid}", roles),
            )
        conn.exec_driver_sql("INSERT INTO agent_zips (person_id, zip, sponsor) VALUES ('P-A', '78701', 0)")
        conn.exec_driver_sql(
            "INSERT INTO tokens (person_id, token_hash, prefix, created_at)"
            " VALUES ('P-AP', 'hash', 'trg_abcd', '2026-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO referrals (id, kind, status, sender_id, first_name, last_name, email, phone,"
            " street, city, state, zip, timeframe, intent, notes, lead_type, company, contact_person,"
            " contact_email, contact_phone, title, website, duplicate_of, created_at, updated_at)"
            " VALUES ('R-1', 'agent', 'draft', 'P-A', 'Ann', 'Lee', '', '', '', '', '', '78701',"
            " '', '', '', '', '', '', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    engine.dispose()


async def test_upgrade_moves_roles_into_their_table(tmp_path: Path) -> None:
    """A database at 0007 with people of several roles, upgraded the way the hub does at start
    (foreign keys on): every role is a row, the old column is gone, and nothing that hangs off a
    person (zip codes, tokens, referrals) is lost with it."""
    path = tmp_path / "old.sqlite3"
    _seed_0007(path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    async with db.read() as session:
        found = {p.id: p.role_list for p, _ in await people.list_people(session)}
        concierges = set(
            (await session.execute(select(Person.id).where(has_role(Role.CONCIERGE)))).scalars()
        )
    await db.close()
    assert found == {
        "P-A": ["agent"],
        "P-AP": ["agent", "partner"],
        "P-V": ["vendor"],
        "P-C": ["concierge"],
        "P-ALL": ["agent", "partner", "vendor", "concierge"],
        "P-SPACED": ["agent", "partner"],
        "P-NONE": [],
    }
    assert concierges == {"P-C", "P-ALL"}
    con = sqlite3.connect(path)
    assert "roles" not in [row[1] for row in con.execute("PRAGMA table_info(persons)")]
    assert con.execute("SELECT person_id, zip FROM agent_zips").fetchall() == [("P-A", "78701")]
    assert con.execute("SELECT person_id FROM tokens").fetchall() == [("P-AP",)]
    assert con.execute("SELECT id, sender_id FROM referrals").fetchall() == [("R-1", "P-A")]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


def test_upgrade_refuses_an_unknown_old_role(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007")
        conn.exec_driver_sql(
            "INSERT INTO persons (id, name, roles, brokerage, city, rank_score, paused, timezone,"
            " last_seq, created_at) VALUES ('P-X', 'X', 'agent,admin', '', '', 50, 0, 'UTC', 0,"
            " '2026-01-01 00:00:00')"
        )
    with pytest.raises(RuntimeError, match="P-X has the unknown role 'admin'"), engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()


def test_downgrade_puts_the_roles_back_in_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _seed_0007(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0007")
    engine.dispose()
    con = sqlite3.connect(path)
    roles = dict(con.execute("SELECT id, roles FROM persons").fetchall())
    assert con.execute("SELECT name FROM sqlite_master WHERE name = 'person_roles'").fetchall() == []
    con.close()
    assert roles == {
        "P-A": "agent", "P-AP": "agent,partner", "P-V": "vendor", "P-C": "concierge",
        "P-ALL": "agent,partner,vendor,concierge", "P-SPACED": "agent,partner", "P-NONE": "",
    }


async def test_the_database_refuses_an_unknown_role(tmp_path: Path) -> None:
    """The CHECK on person_roles.role, through the ORM and through a plain INSERT; a person's
    roles are deleted with the person by the database itself."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await db.migrate()
    async with db.write_session() as session:
        person, _ = await people.add_person(session, datetime.now(UTC), name="Dana",
                                            roles=["agent", "agent", "concierge"])
    assert person.role_list == ["agent", "concierge"]
    with pytest.raises(IntegrityError, match="ck_person_roles_role"):
        async with db.write_session() as session:
            session.add(PersonRole(person_id=person.id, role="admin"))
    with pytest.raises(IntegrityError, match="ck_person_roles_role"):
        async with db.write_session() as session:
            await session.execute(insert(PersonRole), [{"person_id": person.id, "role": "Agent"}])
    with pytest.raises(ValueError):  # the Python side refuses before the database would
        async with db.write_session() as session:
            await people.add_person(session, datetime.now(UTC), name="X", roles=["admin"])
    async with db.write_session() as session:
        assert (await session.get(Person, person.id)).role_list == ["agent", "concierge"]
        await session.execute(delete(Person).where(Person.id == person.id))  # ON DELETE CASCADE
    async with db.read() as session:
        assert (await session.execute(select(PersonRole))).all() == []
    await db.close()
