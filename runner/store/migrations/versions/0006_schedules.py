"""Schedules, their firings, notification rules; runs know their schedule and what was notified.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table('schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=190), nullable=False),
    sa.Column('client', sa.String(length=190), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('cron', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=190), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('auto_apply_under', sa.Integer(), nullable=True),
    sa.Column('next_run_at', TIMESTAMP, nullable=True),
    sa.Column('last_fired_at', TIMESTAMP, nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_schedules_due', 'schedules', ['paused', 'next_run_at'], unique=False)
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scheduled_for', TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column('auto_apply_under', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notified_status', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key('fk_runs_schedule_id', 'schedules', ['schedule_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_runs_schedule_status', ['schedule_id', 'status'], unique=False)
    op.create_table('schedule_firings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('due_at', TIMESTAMP, nullable=False),
    sa.Column('fired_at', TIMESTAMP, nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('worker_id', sa.String(length=190), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_id', 'due_at', name='uq_schedule_firings_due')
    )
    op.create_table('notification_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=190), nullable=True),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('url_encrypted', sa.Text(), nullable=True),
    sa.Column('url_host', sa.String(length=255), nullable=True),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=190), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notification_rules_user', 'notification_rules', ['user'], unique=False)
    op.create_index('ix_notification_rules_schedule_id', 'notification_rules', ['schedule_id'], unique=False)


def downgrade() -> None:
    # tables go with their indexes (MariaDB refuses to drop an index a foreign key needs)
    op.drop_table('notification_rules')
    op.drop_table('schedule_firings')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_runs_schedule_id', type_='foreignkey')
        batch_op.drop_index('ix_runs_schedule_status')
        batch_op.drop_column('notified_status')
        batch_op.drop_column('auto_apply_under')
        batch_op.drop_column('scheduled_for')
        batch_op.drop_column('schedule_id')
    op.drop_table('schedules')
