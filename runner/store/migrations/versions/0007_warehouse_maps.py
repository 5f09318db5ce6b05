"""Analytics warehouse maps (tables, columns, district filter), one per client.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table('warehouse_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=190), nullable=False),
    sa.Column('map_json', LONG_TEXT, nullable=False),
    sa.Column('saved_by', sa.String(length=190), nullable=False),
    sa.Column('saved_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client')
    )


def downgrade() -> None:
    op.drop_table('warehouse_maps')
