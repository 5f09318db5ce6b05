"""The repository's job notebooks, executed by papermill against the sandbox over real HTTP."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # see STACK-NOTES: slow optional import
import papermill  # noqa: E402

from runner.catalog import Catalog  # noqa: E402
from runner.execution.kernels import IPCKernelManager  # noqa: E402
from runner.params import validate_params  # noqa: E402
from runner.profile_store import add_profile  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def job_env(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ANN001
    """A client profile named ``sandbox`` from the environment, and an output folder."""
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_KEY", sandbox.key)
    monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_SECRET", sandbox.secret)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("TOOLBELT_OUTPUT_DIR", str(out))
    return out


def execute(job_id: str, params: dict, out: Path, *, client: str = "sandbox") -> dict:
    job = Catalog().get(job_id)
    values = validate_params(job.require_header(), params)
    papermill.execute_notebook(str(job.path), str(out / "executed.ipynb"), parameters={"client": client, **values},
                               kernel_name="python3", progress_bar=False, cwd=str(out), kernel_manager_class=IPCKernelManager)
    return json.loads((out / "executed.ipynb").read_text())


def expected_rows(state: dict, role_ids: set[int] | None = None) -> dict[str, dict[str, str]]:
    roles = {**state["roles"], **state["building_roles"]}
    names = {str(state["school"]["id"]): state["school"]["title"],
             **{k: b["title"] for k, b in state["buildings"].items()}}
    return {
        str(u["uid"]): {"role_title": roles.get(str(u["role_id"]), {}).get("title", ""),
                        "building_name": names.get(str(u["building_id"]), ""), "school_uid": u["school_uid"]}
        for u in state["users"].values() if role_ids is None or u["role_id"] in role_ids
    }


def test_export_users_writes_every_user_with_names(sandbox, job_env: Path) -> None:  # noqa: ANN001
    nb = execute("export_users", {}, job_env)
    with (job_env / "users.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = {r["uid"]: {"role_title": r["role_title"], "building_name": r["building_name"], "school_uid": r["school_uid"]}
           for r in rows}
    want = expected_rows(sandbox.state())
    assert len(rows) == len(want) and got == want
    assert all(r["role_title"] and r["building_name"] for r in rows)
    last = nb["cells"][-1]["outputs"][0]["data"]
    assert "text/html" in last  # the notebook ends by showing its report
    assert sandbox.secret not in json.dumps(nb)


def test_export_users_role_filter_with_a_stored_profile(sandbox, job_env: Path, monkeypatch) -> None:  # noqa: ANN001
    """The kernel resolves the client name through the runner's store (the entry point), not the environment."""
    for var in ("BASE_URL", "KEY", "SECRET"):
        monkeypatch.delenv(f"TOOLBELT_CLIENT_SANDBOX_{var}")
    add_profile("stored-sbx", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)
    state = sandbox.state()
    student = next(k for k, r in state["roles"].items() if r["title"] == "Student")
    nb = execute("export_users", {"output_name": "students.csv", "roles": student}, job_env, client="stored-sbx")
    assert nb["metadata"]["papermill"]["parameters"]["client"] == "stored-sbx"
    assert sandbox.secret not in json.dumps(nb)
    with (job_env / "students.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["role_title"] for r in rows} == {"Student"}
    assert {r["uid"] for r in rows} == set(expected_rows(state, {int(student)}))


def test_job_template_runs(sandbox, job_env: Path) -> None:  # noqa: ANN001
    root = Path(__file__).resolve().parents[1]
    execute_path = root / "notebooks" / "templates" / "job_template.ipynb"
    papermill.execute_notebook(str(execute_path), str(job_env / "t.ipynb"),
                               parameters={"client": "sandbox", "limit": 5}, kernel_name="python3",
                               progress_bar=False, cwd=str(job_env), kernel_manager_class=IPCKernelManager)
    with (job_env / "sample.csv").open(newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 5
