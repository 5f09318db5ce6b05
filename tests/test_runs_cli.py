"""``toolbelt run``, ``runs`` and ``worker`` as a user or CI script sees them."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from runner.cli import cli
from runner.store import Run, session_scope
from tests.fixtures.runner_jobs import RunnerEnv

STABLE_KEYS = {"id", "job", "client", "status", "error_class", "error_message", "artifact_paths", "created_at",
               "started_at", "finished_at", "duration_seconds", "plan_counts", "journal_counts", "output_path"}


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_count() -> int:
    with session_scope() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Run))


@pytest.fixture
def jobs(runner_env: RunnerEnv) -> RunnerEnv:
    runner_env.write_job("hello", "print(f'hello {who} from {client}')",
                         params={"who": {"type": "string", "required": True},
                                 "times": {"type": "int", "default": 1, "min": 1}},
                         defaults={"who": "world", "times": 1})
    runner_env.write_job("fails", "1 / 0")
    return runner_env


def test_run_waits_streams_and_exits_zero(jobs: RunnerEnv) -> None:
    result = invoke("run", "hello", "--client", "acme", "-p", "who=ann")
    assert result.exit_code == 0, result.output
    assert "hello ann from acme" in result.stdout
    assert "succeeded" in result.stderr


def test_run_json_is_stable_and_final(jobs: RunnerEnv) -> None:
    result = invoke("run", "hello", "--client", "acme", "-p", "who=bo", "-p", "times=2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert STABLE_KEYS <= set(data)
    assert data["status"] == "succeeded" and data["error_class"] is None
    assert data["params"] == {"who": "bo", "times": 2}
    assert data["plan_counts"] is None and data["journal_counts"] is None


def test_failed_run_exits_non_zero_with_its_error(jobs: RunnerEnv) -> None:
    result = invoke("run", "fails", "--client", "acme", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["error_class"]) == ("failed", "cell_error")
    assert "ZeroDivisionError" in data["error_message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "helo", "--client", "acme", "-p", "who=a"], "no job 'helo'"),
        (["run", "hello", "--client", "nobody", "-p", "who=a"], "no client profile named 'nobody'"),
        (["run", "hello", "--client", "acme"], "who:"),
        (["run", "hello", "--client", "acme", "-p", "who=a", "-p", "times=many"], "times:"),
        (["run", "hello", "--client", "acme", "-p", "who=a", "-p", "times=0"], "times:"),
        (["run", "hello", "--client", "acme", "-p", "who"], "expected name=value"),
        (["run", "badheader", "--client", "acme"], "badheader"),
        (["run", "notjson", "--client", "acme"], "notjson"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_queued(jobs: RunnerEnv, args: list[str], message: str) -> None:
    broken = jobs.write_job("badheader", "print(1)")
    broken.write_text(broken.read_text().replace("title: Badheader", "title: [unclosed"))
    (jobs.jobs_dir / "notjson.ipynb").write_text("{ this is not a notebook")
    result = invoke(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert run_count() == 0


def test_unreachable_database_is_one_clear_error(jobs: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_DB", "postgresql+psycopg://someone:pw-xyz@127.0.0.1:1/nowhere")
    result = invoke("run", "hello", "--client", "acme", "-p", "who=a")
    assert result.exit_code == 1
    assert "cannot open the store" in result.stderr and "127.0.0.1" in result.stderr
    assert "pw-xyz" not in result.output


def test_runs_list_show_log_and_cancel(jobs: RunnerEnv) -> None:
    done = json.loads(invoke("run", "hello", "--client", "acme", "-p", "who=cy", "--json").stdout)
    queued = invoke("run", "hello", "--client", "acme", "-p", "who=di", "--apply", "--queue", "--no-wait", "--json")
    assert queued.exit_code == 0
    queued_id = json.loads(queued.stdout)["id"]

    listed = json.loads(invoke("runs", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [queued_id, done["id"]]
    shown = json.loads(invoke("runs", "show", str(queued_id), "--json").stdout)
    assert shown["status"] == "queued" and shown["apply"] is True

    log = invoke("runs", "log", str(done["id"]))
    assert "hello cy from acme" in log.stdout

    cancelled = invoke("runs", "cancel", str(queued_id), "--json")
    assert cancelled.exit_code == 0
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    again = invoke("runs", "cancel", str(done["id"]))
    assert again.exit_code == 1 and "already finished" in again.stderr
    missing = invoke("runs", "show", "999")
    assert missing.exit_code == 1 and "no run 999" in missing.stderr


def test_the_toolbelt_command_leaves_with_the_runs_exit_code_and_all_its_output(jobs: RunnerEnv) -> None:
    """``python -m runner.cli`` (as the ``toolbelt`` script) skips the interpreter's teardown: nothing is lost."""
    import subprocess
    import sys

    def toolbelt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True, timeout=300)

    ok = toolbelt("run", "hello", "--client", "acme", "-p", "who=ann")
    assert ok.returncode == 0, ok.stderr
    assert "hello ann from acme" in ok.stdout and "succeeded" in ok.stderr
    failed = toolbelt("run", "fails", "--client", "acme")
    assert failed.returncode == invoke("run", "fails", "--client", "acme").exit_code != 0
    assert "ZeroDivisionError" in failed.stdout + failed.stderr
    listed = toolbelt("runs", "list", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 3  # the whole JSON reached the pipe
    missing = toolbelt("runs", "show", "999999")
    assert missing.returncode == 1 and missing.stderr.startswith("Error: ")


def test_the_toolbelt_command_lets_its_other_threads_finish_before_it_leaves(tmp_path) -> None:
    import subprocess
    import sys

    marker = tmp_path / "written"
    code = ("import sys, threading, time\n"
            "from runner.cli import entry\n"
            f"threading.Thread(target=lambda: (time.sleep(0.5), open({str(marker)!r}, 'w').write('done'))).start()\n"
            "sys.argv = ['toolbelt', '--help']\n"
            "entry()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Usage:" in done.stdout
    assert marker.read_text() == "done"
