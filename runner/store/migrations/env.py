"""Alembic environment: uses the connection handed over by runner.store.migrate,
or ``TOOLBELT_DB`` / the default SQLite store when run from the ``alembic`` command."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from runner.store.models import Base

target_metadata = Base.metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    import sqlalchemy as sa

    from runner.store.database import database_url

    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or database_url())
    with engine.begin() as conn:
        _run(conn)
