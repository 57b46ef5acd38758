"""offer indexes without the state: the (agent, state) index of every offer becomes a plain agent
index plus a partial index of open offers only, and (referral, state) becomes (referral, agent),
so opening an appointment to many agents and withdrawing it no longer rewrites one page per
agent of an index that grows with every offer ever made, and a claim finds the agent's offer of
the referral without walking the agent's history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    op.drop_index("ix_offers_agent_state", table_name="offers")
    op.drop_index("ix_offers_referral", table_name="offers")
    op.create_index("ix_offers_referral_agent", "offers", ["referral_id", "agent_id"], unique=False)
    op.create_index("ix_offers_agent", "offers", ["agent_id"], unique=False)
    op.create_index(
        "ix_offers_open_agent", "offers", ["agent_id"], unique=False,
        sqlite_where=OPEN, postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_offers_open_agent", table_name="offers")
    op.drop_index("ix_offers_agent", table_name="offers")
    op.drop_index("ix_offers_referral_agent", table_name="offers")
    op.create_index("ix_offers_referral", "offers", ["referral_id", "state"], unique=False)
    op.create_index("ix_offers_agent_state", "offers", ["agent_id", "state"], unique=False)
