"""What the Run view takes from a run's files: tables and plots, and the downloads."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from runner.dashboard import downloads
from runner.dashboard.rich_outputs import rich_outputs_html

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nnot-really-a-png").decode()


def write_output_notebook(path: Path) -> Path:
    cell = new_code_cell("df; plot", outputs=[
        new_output("stream", name="stdout", text="only in the log\n"),
        new_output("execute_result", data={"text/html": "<table><tr><td>42 users</td></tr></table>",
                                           "text/plain": "df"}, execution_count=1),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
    ])
    nb = new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _payload(link: str, name: str) -> bytes:
    match = re.search(rf'download="{re.escape(name)}" href="data:[^;]+;base64,([^"]+)"', link)
    assert match, f"no download link named {name} in {link[:200]}"
    return base64.b64decode(match.group(1))


def test_tables_and_plots_in_order_and_plain_text_left_to_the_log(tmp_path: Path) -> None:
    html = rich_outputs_html(write_output_notebook(tmp_path / "output.ipynb"))
    assert html.index("42 users") < html.index(f"data:image/png;base64,{PNG}")
    assert "only in the log" not in html
    assert rich_outputs_html(tmp_path / "missing.ipynb") == ""


def test_downloads_carry_the_notebook_as_html_and_each_artifact(tmp_path: Path) -> None:
    notebook = write_output_notebook(tmp_path / "output.ipynb")
    artifact = tmp_path / "users.csv"
    artifact.write_text("uid,name\n1,Ada\n")
    run = {"id": 7, "job": "export_users", "output_path": str(notebook),
           "artifacts": [{"name": "users.csv", "path": str(artifact)},
                         {"name": "gone.csv", "path": str(tmp_path / "gone.csv")}]}
    html = downloads.run_downloads_html(run)
    assert _payload(html, "users.csv") == artifact.read_bytes()
    assert b"42 users" in _payload(html, "run-7-export_users.html")
    assert "gone.csv (missing)" in html


def test_a_file_too_big_for_the_page_is_named_not_embedded(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(downloads, "MAX_BYTES", 1024)
    link = downloads.file_link(big)
    assert "data:" not in link and str(big) in link
