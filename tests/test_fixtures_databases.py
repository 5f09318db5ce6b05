import sqlalchemy as sa


def test_fresh_database_is_empty_and_usable(any_database_url):
    engine = sa.create_engine(any_database_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == 1
    finally:
        engine.dispose()
