"""agent profiles and vacations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:48:34.767484
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vacation_start', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('vacation_end', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('specializations', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('languages', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('years_experience', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('why', sa.String(length=300), server_default='', nullable=False))

    


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('why')

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('years_experience')
        batch_op.drop_column('languages')
        batch_op.drop_column('specializations')
        batch_op.drop_column('vacation_end')
        batch_op.drop_column('vacation_start')

    
