"""Initial schema: users, groups, client profiles, runs, log lines, artifacts.

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# naive UTC with microseconds (MariaDB's DATETIME drops them unless told)
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table('client_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=190), nullable=False),
    sa.Column('base_url', sa.String(length=1000), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('signature_method', sa.String(length=32), nullable=False),
    sa.Column('sql_url_encrypted', sa.Text(), nullable=True),
    sa.Column('sftp_settings', sa.JSON(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=190), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=190), nullable=False),
    sa.Column('notebook_path', sa.String(length=1000), nullable=True),
    sa.Column('notebook_hash', sa.String(length=64), nullable=True),
    sa.Column('client', sa.String(length=190), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('apply', sa.Boolean(), nullable=False),
    sa.Column('requester', sa.String(length=190), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_class', sa.String(length=32), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('error_cell', sa.Integer(), nullable=True),
    sa.Column('timeout_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('started_at', TIMESTAMP, nullable=True),
    sa.Column('finished_at', TIMESTAMP, nullable=True),
    sa.Column('heartbeat_at', TIMESTAMP, nullable=True),
    sa.Column('worker_id', sa.String(length=190), nullable=True),
    sa.Column('worker_pid', sa.Integer(), nullable=True),
    sa.Column('cancel_requested_by', sa.String(length=190), nullable=True),
    sa.Column('cancel_requested_at', TIMESTAMP, nullable=True),
    sa.Column('output_path', sa.String(length=1000), nullable=True),
    sa.Column('parent_run_id', sa.Integer(), nullable=True),
    sa.Column('plan_path', sa.String(length=1000), nullable=True),
    sa.Column('journal_path', sa.String(length=1000), nullable=True),
    sa.Column('plan_counts', sa.JSON(), nullable=True),
    sa.Column('journal_counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['parent_run_id'], ['runs.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_runs_status_id', ['status', 'id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=190), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('artifacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifacts_run_id'), ['run_id'], unique=False)

    op.create_table('group_memberships',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'group_id')
    )
    op.create_table('log_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ts', TIMESTAMP, nullable=False),
    sa.Column('stream', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'seq', name='uq_log_lines_run_seq')
    )


def downgrade() -> None:
    op.drop_table('log_lines')
    op.drop_table('group_memberships')
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifacts_run_id'))

    op.drop_table('artifacts')
    op.drop_table('users')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_status_id')
        batch_op.drop_index(batch_op.f('ix_runs_job_id'))

    op.drop_table('runs')
    op.drop_table('groups')
    op.drop_table('client_profiles')
