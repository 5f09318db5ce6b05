import sqlalchemy as sa

import schoology_etl as se


def test_demo_files_are_made_on_first_use_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(tmp_path / "demo"))
    users = se.demo_file("users.csv")
    assert users == tmp_path / "demo" / "sis" / "users.csv"
    assert users.read_text().startswith("school_uid,")
    stamp = users.stat().st_mtime_ns
    assert se.demo_file("parents.csv").exists()
    assert users.stat().st_mtime_ns == stamp  # not rewritten


def test_unknown_demo_file_lists_the_known_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(tmp_path))
    try:
        se.demo_file("nope.csv")
    except FileNotFoundError as exc:
        assert "users.csv" in str(exc) and "nope.csv" in str(exc)
    else:
        raise AssertionError("an unknown demo file must be refused")


def test_demo_analytics_database_is_built_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(tmp_path))
    url = se.demo_analytics_url()
    engine = sa.create_engine(url)
    try:
        assert sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
