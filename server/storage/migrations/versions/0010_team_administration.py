"""team administration: claim windows per program and per area, and the directory's version

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_window_seconds', sa.Integer(), nullable=True))
    op.create_table(
        'area_windows',
        sa.Column('area', sa.String(length=5), nullable=False),
        sa.Column('claim_window_seconds', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('area'),
    )
    op.create_table(
        'directory_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO directory_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('directory_version')
    op.drop_table('area_windows')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('claim_window_seconds')
