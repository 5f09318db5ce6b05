"""The runner's tables, as SQLAlchemy 2 models.

Secrets live in one kind of column only: ``*_encrypted`` (ciphertext from
:mod:`runner.secrets`). Run parameters are validated values and never hold secrets.
Timestamps are stored as naive UTC and read back as aware UTC on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from runner.status import EXECUTING, TERMINAL, ErrorClass, RunStatus

RUN_STATUSES = tuple(s.value for s in RunStatus)
TERMINAL_STATUSES = frozenset(s.value for s in TERMINAL)
ERROR_CLASSES = tuple(c.value for c in ErrorClass)
RUN_KINDS = ("job", "undo")
EXECUTING_STATUSES = tuple(s.value for s in EXECUTING)
LOG_STREAMS = ("stdout", "stderr", "display", "system", "traceback")  # traceback: shown folded


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp with microseconds, stored naive UTC, returned aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


class Base(DeclarativeBase):
    """Declarative base of every runner table."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(190), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    # the toolbelt's own password sign-in (scrypt, see runner.signin.passwords); None: no password
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary="group_memberships", back_populates="members")


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(190), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(secondary="group_memberships", back_populates="groups")


class GroupMembership(Base):
    __tablename__ = "group_memberships"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)


class DeploymentSetting(Base):
    """One setting of the deployment that only an admin may change (e.g. which identity to trust)."""

    __tablename__ = "deployment_settings"

    name: Mapped[str] = mapped_column(sa.String(190), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(1000))


class ClientProfileRow(Base):
    """A configured Schoology client. Only ``*_encrypted`` columns hold secrets."""

    __tablename__ = "client_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(190), unique=True)
    base_url: Mapped[str] = mapped_column(sa.String(1000))
    key: Mapped[str] = mapped_column(sa.String(255))
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    signature_method: Mapped[str] = mapped_column(sa.String(32), default="HMAC-SHA1")
    sql_url_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    # host, port, username, path...; any password/private key only as *_encrypted keys
    sftp_settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # the key's budget (requests per window of seconds); None: the library's default
    rate_limit: Mapped[int | None] = mapped_column(sa.Integer)
    rate_window: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Run(Base):
    """One execution of a job for a client."""

    __tablename__ = "runs"
    __table_args__ = (sa.Index("ix_runs_status_id", "status", "id"),
                      sa.Index("ix_runs_client_status", "client", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(190), index=True)
    notebook_path: Mapped[str | None] = mapped_column(sa.String(1000))
    notebook_hash: Mapped[str | None] = mapped_column(sa.String(64))
    client: Mapped[str] = mapped_column(sa.String(190))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    apply: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    requester: Mapped[str] = mapped_column(sa.String(190))
    status: Mapped[str] = mapped_column(sa.String(16), default=RunStatus.QUEUED.value)
    error_class: Mapped[str | None] = mapped_column(sa.String(32))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    error_cell: Mapped[int | None] = mapped_column(sa.Integer)
    timeout_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_id: Mapped[str | None] = mapped_column(sa.String(190))
    worker_pid: Mapped[int | None] = mapped_column(sa.Integer)
    cancel_requested_by: Mapped[str | None] = mapped_column(sa.String(190))
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    output_path: Mapped[str | None] = mapped_column(sa.String(1000))
    parent_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))
    # plans: a mutating job's run ends ``planned``; an apply runs on the same row
    kind: Mapped[str] = mapped_column(sa.String(16), default="job", server_default="job")  # job | undo
    plan_digest: Mapped[str | None] = mapped_column(sa.String(64))
    applied_by: Mapped[str | None] = mapped_column(sa.String(190))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan_path: Mapped[str | None] = mapped_column(sa.String(1000))
    journal_path: Mapped[str | None] = mapped_column(sa.String(1000))
    plan_counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    journal_counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # schedules (issue 17): the schedule that started the run, the due time it fired for,
    # "apply by itself when the plan has fewer than this many changes", the last status notified
    schedule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schedules.id", ondelete="SET NULL"))
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auto_apply_under: Mapped[int | None] = mapped_column(sa.Integer)
    notified_status: Mapped[str | None] = mapped_column(sa.String(16))

    artifacts: Mapped[list[Artifact]] = relationship(
        back_populates="run", order_by="Artifact.id", cascade="all, delete-orphan"
    )


class ClientLock(Base):
    """One row per client: claims lock it so the per-client concurrency cap holds across processes."""

    __tablename__ = "client_locks"

    client: Mapped[str] = mapped_column(sa.String(190), primary_key=True)
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateBudgetRow(Base):
    """One API key's shared rate budget (:class:`schoology_etl.budget.BudgetState` as JSON).

    ``key_digest`` is a SHA-256 of the consumer key and base URL, so the key itself is
    not repeated here. Every process using the key locks this row to book a send.
    """

    __tablename__ = "rate_budgets"

    key_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    state: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LogLine(Base):
    """One line of a run's output, in the order it was written (``seq``)."""

    __tablename__ = "log_lines"
    __table_args__ = (sa.UniqueConstraint("run_id", "seq", name="uq_log_lines_run_seq"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stream: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(LongText)


class Artifact(Base):
    """A file a run produced (in its output folder)."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    path: Mapped[str] = mapped_column(sa.String(1000))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))

    run: Mapped[Run] = relationship(back_populates="artifacts")


class ColumnMapRow(Base):
    """A district file's column and value map, saved per client and job so next month's file needs nothing."""

    __tablename__ = "column_maps"
    __table_args__ = (sa.UniqueConstraint("client", "job_id", name="uq_column_maps_client_job"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(sa.String(190))
    job_id: Mapped[str] = mapped_column(sa.String(190))
    map_json: Mapped[str] = mapped_column(LongText)
    saved_by: Mapped[str] = mapped_column(sa.String(190))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarehouseMapRow(Base):
    """A client's analytics warehouse map (tables, columns, district filter), used by every analytics job."""

    __tablename__ = "warehouse_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(sa.String(190), unique=True)
    map_json: Mapped[str] = mapped_column(LongText)
    saved_by: Mapped[str] = mapped_column(sa.String(190))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
