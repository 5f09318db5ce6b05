"""Pure parts of execution: output text, masking, outcome classification, artifacts."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook, new_output
from papermill.exceptions import PapermillExecutionError

from runner.execution.artifacts import collect_artifacts, missing_declared
from runner.execution.kernel_output import output_log_entries
from runner.execution.logwriter import split_lines
from runner.execution.outcome import RunStopped, classify
from runner.execution.scrub import Scrubber

SECRET = "s3cr3t-value-0123456789"


def test_output_entries_give_text_for_every_kind() -> None:
    assert output_log_entries("stream", {"name": "stderr", "text": "oops\n"}) == [("stderr", "oops\n")]
    assert output_log_entries("execute_result", {"data": {"text/plain": "42", "text/html": "<b>42</b>"}}) == [
        ("display", "42")]
    assert output_log_entries("display_data", {"data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}) == [
        ("display", "[image/png output]")]
    assert output_log_entries("display_data", {"data": {"text/html": "<table/>"}}) == [
        ("display", "[text/html output]")]
    err = output_log_entries("error", {"ename": "E", "evalue": "v", "traceback": ["\x1b[31mE\x1b[0m: v"]})
    assert err == [("traceback", "E: v")]


def test_split_lines_keeps_inner_blank_lines() -> None:
    assert split_lines("a\n\nb\n") == ["a", "", "b"]
    assert split_lines("") == []
    assert split_lines("no newline") == ["no newline"]


def test_scrubber_masks_messages_notebooks_and_files(tmp_path: Path) -> None:
    scrub = Scrubber([SECRET])
    content = {"name": "stdout", "text": f"key={SECRET}"}
    scrub.message_content(content)
    assert SECRET not in content["text"] and "********" in content["text"]
    nb = new_notebook(cells=[new_code_cell(f"x = '{SECRET}'", outputs=[
        new_output("execute_result", data={"text/plain": [f"'{SECRET}'"]}, execution_count=1)])])
    nb.metadata["papermill"] = {"parameters": {"note": SECRET}}
    text = nbformat.writes(scrub.notebook(nb))
    assert SECRET not in text
    path = tmp_path / "out.csv"
    path.write_text(f"a,{SECRET}\n")
    assert scrub.file(path) is True
    assert SECRET not in path.read_text()
    assert scrub.file(path) is False


def test_classify_each_outcome() -> None:
    cell_error = PapermillExecutionError(5, 2, "1/0", "ZeroDivisionError", "division by zero", [])
    assert classify(None, stop_reason=None).status == "succeeded"
    out = classify(cell_error, stop_reason=None)
    assert (out.status, out.error_class, out.cell) == ("failed", "cell_error", 5)
    assert "ZeroDivisionError: division by zero" in out.message
    died = classify(DeadKernelError("dead"), stop_reason=None, current_cell=3)
    assert (died.error_class, died.cell) == ("kernel_died", 3)
    cancelled = classify(RunStopped("cancelled"), stop_reason="cancelled", cancelled_by="bob")
    assert (cancelled.status, cancelled.message) == ("cancelled", "cancelled by bob")
    timed = classify(DeadKernelError("killed"), stop_reason="timeout", timeout_seconds=1800)
    assert (timed.error_class, timed.message) == ("timeout", "the run took longer than its 30 min limit and was stopped")


def test_every_output_file_is_an_artifact_and_missing_ones_are_named(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "report.csv").write_text(f"x,{SECRET}\n")
    (tmp_path / "sub" / "chart.PNG").write_bytes(b"\x89PNG")
    rows = collect_artifacts(tmp_path, Scrubber([SECRET]))
    assert [(r["name"], r["kind"]) for r in rows] == [("report.csv", "csv"), ("sub/chart.PNG", "png")]
    assert SECRET not in (tmp_path / "report.csv").read_text()
    assert missing_declared(["report.csv", "summary.xlsx"], rows) == ["summary.xlsx"]


def test_only_a_kernel_that_never_ran_a_cell_is_started_again():
    from types import SimpleNamespace

    from runner.execution.executioner import _kernel_never_started

    fresh = SimpleNamespace(current_cell=None)
    running = SimpleNamespace(current_cell=2)
    calm, stopping = SimpleNamespace(stop_reason=None), SimpleNamespace(stop_reason="cancel")
    died = RuntimeError("Kernel died before replying to kernel_info")
    assert _kernel_never_started(died, fresh, calm)
    assert not _kernel_never_started(died, running, calm)  # a cell ran: never run the notebook twice
    assert not _kernel_never_started(died, fresh, stopping)  # cancelled or timed out: stop
    assert not _kernel_never_started(ValueError("bad value"), fresh, calm)
    slow = RuntimeError("Kernel didn't respond in 120 seconds")  # a loaded host: no cell ran, start again
    assert _kernel_never_started(slow, fresh, calm)
