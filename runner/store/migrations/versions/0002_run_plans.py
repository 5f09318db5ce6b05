"""Plans on runs: digest, kind, who applied and when; per-client claim locks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='job'))
        batch_op.add_column(sa.Column('plan_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('applied_by', sa.String(length=190), nullable=True))
        batch_op.add_column(sa.Column('applied_at', TIMESTAMP, nullable=True))
        batch_op.create_index('ix_runs_client_status', ['client', 'status'], unique=False)
    op.create_table('client_locks',
    sa.Column('client', sa.String(length=190), nullable=False),
    sa.Column('touched_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('client')
    )


def downgrade() -> None:
    op.drop_table('client_locks')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_client_status')
        batch_op.drop_column('applied_at')
        batch_op.drop_column('applied_by')
        batch_op.drop_column('plan_digest')
        batch_op.drop_column('kind')
