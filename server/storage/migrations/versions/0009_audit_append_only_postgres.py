"""audit append-only on PostgreSQL: triggers that refuse UPDATE and DELETE on the audit table, as
migration 0005's triggers do on SQLite (a plain UPDATE of an entry used to succeed there).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:30:00
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
    )
    for name, event in (("audit_no_update", "UPDATE"), ("audit_no_delete", "DELETE")):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
    # TRUNCATE skips row triggers: refuse it with a statement trigger
    op.execute(
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("audit_no_update", "audit_no_delete", "audit_no_truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit")
    op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
