"""The SQL connector against real SQLite, PostgreSQL and MariaDB databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from schoology_etl.errors import ConfigurationError, ConnectorError
from schoology_etl.io.sql import SQLSource, read_sql, sql_engine, write_sql
from schoology_etl.profiles import Profile


def _make_people(url: str, rows: int = 0) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, building INTEGER)"
        ))
        if rows:
            conn.execute(
                sa.text("INSERT INTO people (id, name, building) VALUES (:id, :name, :building)"),
                [{"id": i, "name": f"p{i}", "building": i % 3} for i in range(1, rows + 1)],
            )
    return engine


def _rows(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT id, name, building FROM people ORDER BY id"))]


# -- reading ---------------------------------------------------------------------------


def test_sql_read_streams_rows_with_bound_parameters(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=25)
    source = read_sql(any_database_url, "SELECT id, name FROM people WHERE building = :b ORDER BY id",
                      {"b": 1}, chunk_size=3)
    rows = list(source)
    assert rows == [{"id": i, "name": f"p{i}"} for i in range(1, 26) if i % 3 == 1]
    assert list(source) == rows  # re-iterable: each iteration opens its own cursor
    assert source.head(2) == rows[:2]
    engine.dispose()


def test_sql_read_never_formats_parameters_into_sql(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=3)
    hostile = "p1' OR '1'='1"
    assert list(read_sql(engine, "SELECT id FROM people WHERE name = :n", {"n": hostile})) == []
    assert list(read_sql(engine, "SELECT id FROM people WHERE name = :n", {"n": "p1"})) == [{"id": 1}]
    engine.dispose()


def test_sql_read_accepts_a_selectable_and_an_engine(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=4)
    people = sa.Table("people", sa.MetaData(), autoload_with=engine)
    query = sa.select(people.c.id).where(people.c.id > sa.bindparam("low")).order_by(people.c.id)
    assert list(read_sql(engine, query, {"low": 2})) == [{"id": 3}, {"id": 4}]
    engine.dispose()


def test_sql_read_from_a_profile(any_database_url: str) -> None:
    _make_people(any_database_url, rows=2).dispose()
    profile = Profile(name="district", sql_url=any_database_url)
    assert [r["id"] for r in read_sql(profile, "SELECT id FROM people ORDER BY id")] == [1, 2]
    assert sql_engine(profile).url.database == sa.engine.make_url(any_database_url).database


def test_sql_profile_without_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="'district' has no sql_url"):
        read_sql(Profile(name="district"), "SELECT 1")


def test_sql_failing_query_names_database_and_statement(any_database_url: str) -> None:
    source = read_sql(any_database_url, "SELECT nope\nFROM missing_table WHERE x = :x", {"x": 1})
    with pytest.raises(ConnectorError) as info:
        list(source)
    message = str(info.value)
    database = sa.engine.make_url(any_database_url).database
    assert database.split("/")[-1] in message
    assert "[statement: SELECT nope]" in message
    assert isinstance(info.value.__cause__, sa.exc.DBAPIError)


def test_sql_error_never_shows_the_password(pg_url: str) -> None:
    url = sa.engine.make_url(pg_url).set(password="s3cret-pw")  # trust auth ignores it
    with pytest.raises(ConnectorError) as info:
        list(read_sql(url, "SELECT * FROM missing_table"))
    assert "s3cret-pw" not in str(info.value)
    assert f"postgresql://127.0.0.1:5432/{url.database}" in str(info.value)
    assert "s3cret-pw" not in repr(read_sql(url, "SELECT 1"))


def test_sql_postgres_read_uses_a_server_side_cursor(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    source = read_sql(engine, "SELECT g AS n FROM generate_series(1, 5000) AS g", chunk_size=100)
    iterator = iter(source)
    assert next(iterator) == {"n": 1}
    with engine.connect() as other:
        cursors = other.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'FETCH%'"))
        open_portals = cursors.scalar()
    iterator.close()
    assert open_portals >= 1, "expected the read to FETCH from a named server-side cursor"
    assert sum(1 for _ in source) == 5000
    engine.dispose()


# -- writing ---------------------------------------------------------------------------


def test_sql_write_inserts_in_batches_and_commits_on_close(any_database_url: str) -> None:
    engine = _make_people(any_database_url)
    records = [{"id": i, "name": f"n{i}", "building": 1} for i in range(1, 12)]
    with write_sql(any_database_url, "people", batch_size=4) as sink:
        sink.write_many(records)
        with engine.connect() as other:  # nothing visible before commit
            assert other.execute(sa.text("SELECT count(*) FROM people")).scalar() == 0
    assert [r.index for r in sink.results] == list(range(11))
    assert all(r.ok for r in sink.results)
    assert _rows(engine) == [(i, f"n{i}", 1) for i in range(1, 12)]
    engine.dispose()


def test_sql_write_upserts_on_a_key(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=3)
    records = [
        {"id": 2, "name": "renamed", "building": 9},
        {"id": 4, "name": "new", "building": 0},
        {"id": 4, "name": "newer", "building": 0},  # same key twice: the last one wins
        {"id": 3, "name": "only name"},  # a different column set, building kept
    ]
    with write_sql(any_database_url, "people", upsert_on="id", batch_size=2) as sink:
        sink.write_many(records)
    assert _rows(engine) == [(1, "p1", 1), (2, "renamed", 9), (3, "only name", 0), (4, "newer", 0)]
    engine.dispose()


def test_sql_write_upserts_by_delete_then_insert(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=3)
    records = [{"id": 2, "name": "renamed", "building": 9}, {"id": 4, "name": "new", "building": 0}]
    with write_sql(engine, "people", upsert_on=["id"], upsert_method="delete_insert") as sink:
        sink.write_many(records)
    assert _rows(engine) == [(1, "p1", 1), (2, "renamed", 9), (3, "p3", 0), (4, "new", 0)]
    engine.dispose()


def test_sql_redshift_dialect_reads_from_the_postgres_stand_in(pg_url: str) -> None:
    import psycopg2  # noqa: F401  the redshift extra's driver (psycopg2-binary), installed by scripts/setup.sh
    url = sa.engine.make_url(pg_url).set(drivername="redshift+psycopg2", query={"sslmode": "disable"})
    engine = sql_engine(url)
    assert engine.dialect.name == "redshift"
    query = "SELECT g AS n FROM generate_series(1, 5) AS g WHERE g > :low"
    assert list(read_sql(engine, query, {"low": 3}, chunk_size=2)) == [{"n": 4}, {"n": 5}]
    engine.dispose()


def test_sql_write_replace_mode_swaps_contents_in_one_transaction(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=5)
    with write_sql(engine, "people", mode="replace") as sink:
        sink.write({"id": 10, "name": "only", "building": None})
    assert _rows(engine) == [(10, "only", None)]
    with pytest.raises(ConnectorError):
        with write_sql(engine, "people", mode="replace") as sink:
            sink.write({"id": 11, "name": None})  # NOT NULL: the replace rolls back
    assert _rows(engine) == [(10, "only", None)]
    engine.dispose()


def test_sql_write_creates_the_table_when_asked(any_database_url: str) -> None:
    with write_sql(any_database_url, "logins", create=True, upsert_on="user_id") as sink:
        sink.write({"user_id": "u1", "count": 3, "ratio": 0.5, "active": True})
    with write_sql(any_database_url, "logins", upsert_on="user_id") as sink:
        sink.write({"user_id": "u1", "count": 4, "ratio": 0.25, "active": False})
    assert list(read_sql(any_database_url, "SELECT user_id, count, ratio, active FROM logins")) == [
        {"user_id": "u1", "count": 4, "ratio": 0.25, "active": False}
    ]


def test_sql_column_mismatch_names_table_and_column_before_writing(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=2)
    sink = write_sql(any_database_url, "people", batch_size=3)
    sink.write_many([{"id": 10, "name": "a"}, {"id": 11, "name": "b"}, {"id": 12, "name": "c"}])
    sink.write({"id": 13, "name": "d", "email": "d@example.org"})
    with pytest.raises(ConnectorError) as info:
        sink.close()
    assert "'email'" in str(info.value) and "table people" in str(info.value)
    assert "record 3" in str(info.value)
    assert _rows(engine) == [(1, "p1", 1), (2, "p2", 2)]  # the first batch was rolled back
    sink.close()  # a failed sink never commits later
    assert _rows(engine) == [(1, "p1", 1), (2, "p2", 2)]
    engine.dispose()


def test_sql_failed_write_leaves_the_table_as_it_was(any_database_url: str) -> None:
    engine = _make_people(any_database_url, rows=2)
    with pytest.raises(ConnectorError, match="write to people failed") as info:
        with write_sql(any_database_url, "people", batch_size=2) as sink:
            sink.write_many([{"id": 5, "name": "a"}, {"id": 6, "name": "b"}])  # flushed
            sink.write_many([{"id": 7, "name": "c"}, {"id": 1, "name": "duplicate key"}])
    assert isinstance(info.value.__cause__, sa.exc.IntegrityError)
    assert _rows(engine) == [(1, "p1", 1), (2, "p2", 2)]
    engine.dispose()


def test_sql_abort_rolls_back(any_database_url: str) -> None:
    engine = _make_people(any_database_url)
    with pytest.raises(RuntimeError):
        with write_sql(engine, "people", batch_size=1) as sink:
            sink.write({"id": 1, "name": "written then undone"})
            raise RuntimeError("the pipeline failed")
    assert _rows(engine) == []
    engine.dispose()


def test_sql_missing_table_and_bad_upsert_key(any_database_url: str) -> None:
    with pytest.raises(ConnectorError, match="table nowhere on .* does not exist"):
        with write_sql(any_database_url, "nowhere") as sink:
            sink.write({"id": 1})
    _make_people(any_database_url).dispose()
    with pytest.raises(ConnectorError, match="upsert key 'email' is not a column of table people"):
        with write_sql(any_database_url, "people", upsert_on="email") as sink:
            sink.write({"id": 1, "name": "x"})


def test_sql_bad_options_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="mode"):
        write_sql("sqlite://", "t", mode="truncate")
    with pytest.raises(ConfigurationError, match="upsert_method"):
        write_sql("sqlite://", "t", upsert_on="id", upsert_method="merge")
    with pytest.raises(ConfigurationError, match="chunk_size"):
        SQLSource("sqlite://", "SELECT 1", chunk_size=0)
    with pytest.raises(ConfigurationError, match="not a database URL"):
        sql_engine("not a url")


def test_sql_missing_driver_names_the_extra() -> None:
    with pytest.raises(ConfigurationError, match=r"provisioners-toolbelt\[redshift\]"):
        sql_engine("redshift+redshift_connector://analyst@127.0.0.1:5439/dev")  # driver absent


def test_sql_read_write_round_trip_across_databases(fresh_database: Callable[[str], str]) -> None:
    source_url, target_url = fresh_database("postgresql"), fresh_database("sqlite")
    _make_people(source_url, rows=50).dispose()
    _make_people(target_url).dispose()
    with write_sql(target_url, "people", batch_size=7) as sink:
        sink.write_many(read_sql(source_url, "SELECT id, name, building FROM people", chunk_size=9))
    assert sink.written == 50
    assert list(read_sql(target_url, "SELECT count(*) AS n FROM people")) == [{"n": 50}]
