"""A client's rate budget in its profile; one shared budget row per API key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rate_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rate_window', sa.Float(), nullable=True))
    op.create_table('rate_budgets',
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('key_digest')
    )


def downgrade() -> None:
    op.drop_table('rate_budgets')
    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.drop_column('rate_window')
        batch_op.drop_column('rate_limit')
