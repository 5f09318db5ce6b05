"""The store on SQLite, PostgreSQL and MariaDB: migrated on first use, round-trips runs."""

from __future__ import annotations

from datetime import UTC

import pytest
import sqlalchemy as sa

from runner.store import Artifact, LogLine, Run, dispose_engines, get_engine, session_scope
from runner.store.database import StoreUnavailableError
from runner.store.migrate import HEAD_REVISION, current_revision, head_revision


@pytest.fixture
def store_url(any_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TOOLBELT_DB", any_database_url)
    yield any_database_url
    dispose_engines()


def test_the_head_known_without_alembic_is_alembics_head() -> None:
    assert HEAD_REVISION == head_revision()  # a new migration must move HEAD_REVISION too


def test_first_use_migrates_to_head(store_url: str) -> None:
    engine = get_engine()
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        tables = set(sa.inspect(conn).get_table_names())
    assert {"users", "groups", "group_memberships", "client_profiles", "runs", "log_lines", "artifacts"} <= tables


def test_run_round_trip_keeps_json_microseconds_and_utc(store_url: str) -> None:
    with session_scope() as s:
        run = Run(job_id="demo", client="acme", requester="ann", params={"n": 3, "tags": ["a", "b"]})
        s.add(run)
        s.flush()
        s.add_all(
            [LogLine(run_id=run.id, seq=i, stream="stdout", text=f"line {i} é") for i in range(1, 4)]
            + [Artifact(run_id=run.id, name="out.csv", path="/x/out.csv", size=12, kind="csv")]
        )
        run_id = run.id
    with session_scope() as s:
        run = s.get(Run, run_id)
        assert run.params == {"n": 3, "tags": ["a", "b"]}
        assert run.status == "queued" and run.apply is False
        assert run.created_at.tzinfo is UTC
        lines = s.scalars(sa.select(LogLine).where(LogLine.run_id == run_id).order_by(LogLine.ts, LogLine.seq)).all()
        assert [ln.text for ln in lines] == ["line 1 é", "line 2 é", "line 3 é"]
        assert lines[0].ts.microsecond or lines[1].ts.microsecond or lines[2].ts.microsecond
        assert [a.name for a in run.artifacts] == ["out.csv"]


def test_log_seq_is_unique_per_run(store_url: str) -> None:
    with session_scope() as s:
        run = Run(job_id="demo", client="acme", requester="ann")
        s.add(run)
        s.flush()
        run_id = run.id
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope() as s:
            s.add_all([LogLine(run_id=run_id, seq=1, stream="stdout", text="a"),
                       LogLine(run_id=run_id, seq=1, stream="stdout", text="b")])


def test_unreachable_database_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_DB", "postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailableError) as info:
        get_engine()
    assert "127.0.0.1" in str(info.value)
    assert "hunter2" not in str(info.value)
