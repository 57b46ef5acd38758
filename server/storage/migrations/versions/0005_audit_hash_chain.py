"""audit hash chain: prev_hash and hash on every entry, existing entries chained; in SQLite,
triggers that refuse UPDATE and DELETE on the audit table (append-only).

A later migration that rebuilds the audit table (batch mode "move and copy") drops these triggers
with the old table and must create them again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:30:00
"""

import sqlalchemy as sa
from alembic import op

from server.storage.audit_hash import GENESIS, entry_hash

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit is append-only"
TRIGGERS = {
    "audit_no_update": f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "audit_no_delete": f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
}


def upgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), server_default='', nullable=False))

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, referral_id, actor_id, action, from_status, to_status, reason, at"
        " FROM audit ORDER BY id"
    )).mappings().all()
    prev = GENESIS
    for row in rows:
        digest = entry_hash(**row, prev_hash=prev)
        bind.execute(
            sa.text("UPDATE audit SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev, "hash": digest, "id": row["id"]},
        )
        prev = digest

    if bind.dialect.name == "sqlite":
        for sql in TRIGGERS.values():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
