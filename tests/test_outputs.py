import pytest

from schoology_etl.errors import ConfigurationError
from schoology_etl.outputs import output_dir, output_path


def test_output_dir_follows_the_runner_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_OUTPUT_DIR", str(tmp_path / "run-7"))
    assert output_dir() == tmp_path / "run-7" and (tmp_path / "run-7").is_dir()
    assert output_path("users.csv") == tmp_path / "run-7" / "users.csv"


def test_output_dir_defaults_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLBELT_OUTPUT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert output_dir() == tmp_path


@pytest.mark.parametrize("bad", ["", "..", "../x.csv", "a/b.csv", "a\\b.csv"])
def test_output_names_cannot_leave_the_folder(bad, tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_OUTPUT_DIR", str(tmp_path))
    with pytest.raises(ConfigurationError, match="plain file name"):
        output_path(bad)
