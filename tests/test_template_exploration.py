"""notebooks/templates/exploration.ipynb, executed as an analyst would in JupyterLab (nbclient, job_env's sandbox)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from runner.execution.kernels import IPCKernelManager
from tests.fixtures.jobs import REPO

TEMPLATE = REPO / "notebooks" / "templates" / "exploration.ipynb"


def _execute(job_env, folder: Path, *, apply: bool):
    job_env.monkeypatch.delenv("TOOLBELT_OUTPUT_DIR", raising=False)
    folder.mkdir()
    nb = nbformat.read(TEMPLATE, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "apply = False" in params.source, "the template never applies by default"
    params.source = params.source.replace("apply = False", f"apply = {apply}")  # what the analyst edits
    NotebookClient(nb, kernel_manager_class=IPCKernelManager, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(nb) -> str:
    return "\n".join(out.get("text", "") or out.get("data", {}).get("text/plain", "")
                     for cell in nb.cells for out in cell.get("outputs", []))


def test_exploration_browses_looks_up_plans_and_applies(job_env, tmp_path):
    state = job_env.state()
    teacher = next(k for k, r in state["roles"].items() if r["title"] == "Teacher")
    first = next(u for u in state["users"].values() if u.get("school_uid"))

    nb = _execute(job_env, tmp_path / "look", apply=False)
    text = _text(nb)
    assert f"{len(state['users'])} users record(s)" in text
    assert f"{first['school_uid']}: uid {first['uid']}, {first['name_first']} {first['name_last']}; the filter finds 1" in text
    assert "Not applied" in text and (tmp_path / "look" / "plan.jsonl").exists()
    assert job_env.state()["users"] == state["users"], "nothing is written before apply"

    _execute(job_env, tmp_path / "apply", apply=True)
    after = job_env.state()["users"]
    changed = {k for k, u in after.items() if u != state["users"][k]}
    assert len(changed) == 3
    assert all(after[k]["position"] == "Department Head" and str(after[k]["role_id"]) == teacher for k in changed)
    assert all({**after[k], "position": state["users"][k]["position"]} == state["users"][k] for k in changed)
