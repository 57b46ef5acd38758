"""the directory's version moves on with every change to people: triggers on persons (its
profile columns, not the sequence number or last offer time that every delivery and offer
writes), person_roles and agent_zips, on SQLite and PostgreSQL, so that a change made by any
statement of any process (a hub, the command line, a hand-written UPDATE) is seen by every hub's
next request (server/storage/person_book.py) and agent search.

A later migration that rebuilds one of these tables (batch mode "move and copy") drops its
triggers with the old table and must create them again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:30:00
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

PROFILE = (
    "name, brokerage, city, rank_score, paused, timezone, work_start_minute, work_end_minute,"
    " vacation_start, vacation_end, specializations, languages, years_experience, email,"
    " mail_offers, mail_messages"
)
MOVE_ON = "UPDATE directory_version SET version = version + 1"
# (name, event, table)
TRIGGERS = [
    ("people_moved_person_added", "INSERT", "persons"),
    ("people_moved_person_changed", f"UPDATE OF {PROFILE}", "persons"),
    ("people_moved_person_removed", "DELETE", "persons"),
    ("people_moved_role_added", "INSERT", "person_roles"),
    ("people_moved_role_changed", "UPDATE", "person_roles"),
    ("people_moved_role_removed", "DELETE", "person_roles"),
    ("people_moved_area_added", "INSERT", "agent_zips"),
    ("people_moved_area_changed", "UPDATE", "agent_zips"),
    ("people_moved_area_removed", "DELETE", "agent_zips"),
]
FUNCTION = "triage_people_moved"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN {MOVE_ON}; RETURN NULL; END $$"
        )
        for name, when, table in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {when} ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    else:
        for name, when, table in TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {when} ON {table} BEGIN {MOVE_ON}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, _, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
