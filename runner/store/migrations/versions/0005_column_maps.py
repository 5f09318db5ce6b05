"""Column maps of district files, saved per client and job.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table('column_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=190), nullable=False),
    sa.Column('job_id', sa.String(length=190), nullable=False),
    sa.Column('map_json', LONG_TEXT, nullable=False),
    sa.Column('saved_by', sa.String(length=190), nullable=False),
    sa.Column('saved_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client', 'job_id', name='uq_column_maps_client_job')
    )


def downgrade() -> None:
    op.drop_table('column_maps')
