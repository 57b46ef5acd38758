"""notification preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:57:33.219602
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mail_offers', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('mail_messages', sa.Boolean(), server_default='0', nullable=False))

    


def downgrade() -> None:
    
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('mail_messages')
        batch_op.drop_column('mail_offers')
        batch_op.drop_column('email')

    
