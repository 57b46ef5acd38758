"""inbox order index: referrals by (created_at, id), so an inbox page walks the index newest
first and stops at its LIMIT

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:30:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_created_at_id", "referrals", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_referrals_created_at_id", table_name="referrals")
