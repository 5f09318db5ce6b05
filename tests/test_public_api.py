"""The library's public API is a curated list; this pins it (change it on purpose, here)."""

import subprocess
import sys
from pathlib import Path

import schoology_etl

PUBLIC = {
    "ApplyReport", "AsyncSchoologyClient", "BulkResult", "Change", "ClientStats", "Credentials", "MemoryTarget",
    "Pipeline", "Plan", "PlanSink", "PlanWriter", "Profile", "RunReport", "SFTPConnection", "SFTPSettings",
    "SchoologyClient", "Sink", "Source", "WriteResult", "aconnect", "aetl", "apply_plan", "connect",
    "demo_analytics_url", "demo_file", "errors", "input_file", "read_input", "read_table", "etl", "output_dir",
    "output_path", "plan_changes", "progress", "provisioning", "read_csv",
    "read_dataframe", "read_schoology", "read_sftp_csv", "read_sql", "resolve_profile", "sql_engine",
    "undo_plan", "write_csv", "write_dataframe", "write_plan", "write_schoology", "write_sftp_csv", "write_sql",
}


def test_public_names_are_exactly_the_curated_list():
    assert set(schoology_etl.__all__) == PUBLIC


def test_every_public_name_resolves():
    for name in schoology_etl.__all__:
        assert getattr(schoology_etl, name) is not None, name


def test_import_is_cheap_and_lazy():
    code = "import sys, schoology_etl; print(','.join(m for m in ('pandas', 'requests', 'aiohttp', 'sqlalchemy', 'paramiko') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_the_library_never_imports_the_runner():
    root = Path(schoology_etl.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if any(line.lstrip().startswith(("import runner", "from runner")) for line in p.read_text().splitlines())]
    assert offenders == []


def test_the_library_never_imports_the_sandbox():
    root = Path(schoology_etl.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "schoology_sandbox" in p.read_text()]
    assert offenders == []
    assert not (root / "sandbox").exists()


def test_demo_files_come_from_the_registered_provider(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(tmp_path))
    code = "import sys, schoology_etl as se; se.demo_file('users.csv'); print('schoology_sandbox' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "True" and (tmp_path / "sis" / "users.csv").is_file()


def test_the_built_package_ships_py_typed(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    build = ["-q", "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(tmp_path / "lib")]
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", *build],
                   cwd=repo, capture_output=True, check=True)
    assert (tmp_path / "lib" / "schoology_etl" / "py.typed").is_file()


def test_every_public_function_is_annotated():
    # py.typed promises types: a callable without a return annotation would give callers Any (mypy's
    # disallow_untyped_defs for schoology_etl, in pyproject.toml, keeps the rest of the library so)
    import inspect

    missing = [name for name in schoology_etl.__all__
               if inspect.isfunction(obj := getattr(schoology_etl, name)) and "return" not in obj.__annotations__]
    assert missing == []
