"""Executing real notebooks through the service: live log, outcomes, cancel, secrets."""

from __future__ import annotations

import os
import signal

import pytest
import sqlalchemy as sa

from runner import errors, service
from runner.access import AccessDenied, add_to_groups
from runner.store import LogLine, Run, get_engine, session_scope
from tests.fixtures.runner_jobs import RunnerEnv, poll_until, wait_gate_cell


def _lines(run_id: int) -> list[dict]:
    return list(service.iter_log(run_id))


def _texts(run_id: int, stream: str | None = None) -> list[str]:
    return [ln["text"] for ln in _lines(run_id) if stream is None or ln["stream"] == stream]


def test_log_lines_are_in_the_store_while_the_notebook_runs(runner_env: RunnerEnv) -> None:
    gate = runner_env.gate("go")
    runner_env.write_job(
        "live",
        "for i in range(3):\n    print(f'row {i}', flush=True)",
        wait_gate_cell(gate, "halfway"),
        "import sys\nprint('after the gate')\nprint('to stderr', file=sys.stderr)",
        "{'answer': 42}",
    )
    run = service.create_run("live", runner_env.client, {}, "tester")
    poll_until(lambda: "halfway" in _texts(run["id"], "stdout"))
    assert service.get_run(run["id"])["status"] == "running"
    assert "after the gate" not in _texts(run["id"])
    gate.touch()
    final = service.wait_for_run(run["id"], timeout=120)
    assert final["status"] == "succeeded", final
    with session_scope() as s:
        rows = s.scalars(sa.select(LogLine).where(LogLine.run_id == run["id"]).order_by(LogLine.ts, LogLine.seq))
        ordered = [(r.stream, r.text) for r in rows]
    user_lines = [t for stream, t in ordered if stream != "system"]
    assert user_lines == ["row 0", "row 1", "row 2", "halfway", "after the gate", "to stderr", "{'answer': 42}"]
    assert ("stderr", "to stderr") in ordered and ("display", "{'answer': 42}") in ordered
    assert final["output_path"] and os.path.exists(final["output_path"])


def test_cell_error_names_the_cell_and_exception(runner_env: RunnerEnv) -> None:
    runner_env.write_job("broken", "x = 1", "raise ValueError('bad row 3')", "print('never')")
    final = service.create_run("broken", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "failed"
    assert final["error_class"] == "cell_error"
    assert final["error_cell"] == 4  # header, parameters, injected parameters, x = 1, raise
    assert "ValueError" in final["error_message"] and "bad row 3" in final["error_message"]
    assert "never" not in _texts(final["id"])
    assert any("ValueError: bad row 3" in t for t in _texts(final["id"], "traceback"))


def test_kernel_killed_mid_cell_is_kernel_died_never_succeeded(runner_env: RunnerEnv) -> None:
    runner_env.write_job("dies", "print('about to die')",  # its own cell: delivered before the kernel dies
                         "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "print('unreachable')")
    final = service.create_run("dies", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "failed"
    assert final["error_class"] == "kernel_died"
    assert "kernel died" in final["error_message"]
    assert "about to die" in _texts(final["id"], "stdout")
    assert "unreachable" not in _texts(final["id"])


def test_whole_run_timeout_stops_the_notebook(runner_env: RunnerEnv) -> None:
    runner_env.write_job("slow", "print('sleeping', flush=True)\nimport time\ntime.sleep(120)", "print('woke')",
                         timeout="2s")
    final = service.create_run("slow", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "failed"
    assert final["error_class"] == "timeout"
    assert "2 s limit" in final["error_message"]
    assert "woke" not in _texts(final["id"])


def test_cancel_a_running_run_records_who(runner_env: RunnerEnv) -> None:
    gate = runner_env.gate("never")
    runner_env.write_job("waits", wait_gate_cell(gate, "started"), "print('not after cancel')")
    run = service.create_run("waits", runner_env.client, {}, "tester")
    poll_until(lambda: "started" in _texts(run["id"], "stdout"))
    add_to_groups("bob", ["appliers"])  # cancelling someone else's run needs the apply role
    service.cancel_run(run["id"], "bob")
    final = service.wait_for_run(run["id"], timeout=60)
    assert final["status"] == "cancelled"
    assert final["error_class"] == "cancelled"
    assert final["cancel_requested_by"] == "bob"
    assert final["error_message"] == "cancelled by bob"
    assert "not after cancel" not in _texts(run["id"])


def test_cancel_a_queued_run_never_executes_it(runner_env: RunnerEnv) -> None:
    runner_env.write_job("queued", "print('ran')")
    run = service.create_run("queued", runner_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)
    add_to_groups("carol", ["appliers"])  # cancelling someone else's run needs the apply role
    final = service.cancel_run(run["id"], "carol")
    assert final["status"] == "cancelled" and final["cancel_requested_by"] == "carol"
    with pytest.raises(errors.RunStateError):
        service.cancel_run(run["id"], "carol")


def test_killed_executioner_is_worker_lost_with_its_log_kept(runner_env: RunnerEnv, monkeypatch) -> None:
    monkeypatch.setenv("TOOLBELT_STALE_SECONDS", "2")
    gate = runner_env.gate("never")
    pid_file = runner_env.home / "kernel.pid"
    runner_env.write_job("orphan", f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))",
                         wait_gate_cell(gate, "working"))
    run = service.create_run("orphan", runner_env.client, {}, "tester")
    poll_until(lambda: "working" in _texts(run["id"], "stdout"))
    os.kill(service.get_run(run["id"])["worker_pid"], signal.SIGKILL)
    try:
        final = poll_until(lambda: next((r for r in service.list_runs() if r["id"] == run["id"]
                                         and r["status"] != "running"), None), timeout=30, every=0.2)
    finally:
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError, FileNotFoundError):
            pass
    assert final["status"] == "failed"
    assert final["error_class"] == "worker_lost"
    texts = _texts(run["id"])
    assert "working" in texts
    assert texts[-1].startswith("failed: the process running this job stopped sending heartbeats")


def test_requester_outside_access_is_refused_and_nothing_queued(runner_env: RunnerEnv) -> None:
    runner_env.write_job("restricted", "print('hi')", access=["provisioners"])
    with pytest.raises(AccessDenied) as info:
        service.create_run("restricted", runner_env.client, {}, "mallory")
    assert "mallory" in str(info.value) and "provisioners" in str(info.value)
    with session_scope() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Run)) == 0
    add_to_groups("ann", ["provisioners"])
    ok = service.create_run("restricted", runner_env.client, {}, "ann", wait=True)
    assert ok["status"] == "succeeded"


def test_params_reach_the_notebook_with_the_client_name(runner_env: RunnerEnv) -> None:
    runner_env.write_job("greet", "print(f'{greeting} x{times} for {client}')",
                         params={"greeting": {"type": "string", "default": "hi"}, "times": {"type": "int", "default": 1}},
                         defaults={"greeting": "hi", "times": 1})
    final = service.create_run("greet", runner_env.client, {"times": "3"}, "tester", wait=True)
    assert final["status"] == "succeeded"
    assert final["params"] == {"greeting": "hi", "times": 3}
    assert "hi x3 for acme" in _texts(final["id"], "stdout")


def test_canary_secret_appears_nowhere_after_a_run(runner_env: RunnerEnv) -> None:
    runner_env.write_job(
        "leaky",
        "import os\nfrom schoology_etl.profiles import resolve_profile\nsecret = resolve_profile(client).secret\n"
        "print('the secret is', secret)",
        "import sys\nprint(secret, file=sys.stderr)\nsecret",
        "from IPython.display import display, HTML\ndisplay(HTML(f'<b>{secret}</b>'))\n"
        "display({'text/plain': secret, 'application/json': {'s': secret}}, raw=True)",
        "with open(os.path.join(os.environ['TOOLBELT_OUTPUT_DIR'], 'dump.csv'), 'w') as f:\n"
        "    f.write(f'name,secret\\nacme,{secret}\\n')",
        outputs=["dump.csv"],
    )
    final = service.create_run("leaky", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "succeeded", final
    assert "the secret is ********" in _texts(final["id"], "stdout")
    assert [a["name"] for a in final["artifacts"]] == ["dump.csv"]
    canary = runner_env.secret.encode()
    for path in runner_env.home.rglob("*"):
        if path.is_file() and not path.name.startswith("toolbelt.db"):
            assert canary not in path.read_bytes(), path
    engine = get_engine()
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):
                assert runner_env.secret not in repr(tuple(row)), table
    assert b"********" in open(final["artifact_paths"][0], "rb").read()


def test_notebook_gone_before_execution_is_notebook_unreadable(runner_env: RunnerEnv) -> None:
    from runner.execution.run_launcher import spawn_executioner

    path = runner_env.write_job("vanishing", "print('hi')")
    run = service.create_run("vanishing", runner_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)
    path.unlink()
    spawn_executioner(run["id"]).wait(timeout=120)
    final = service.get_run(run["id"])
    assert (final["status"], final["error_class"]) == ("failed", "refused")  # no such job in the catalog any more
    assert "'vanishing' is not in the job catalog" in final["error_message"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_cancel_kills_a_kernel_that_ignores_interrupts_and_its_children(runner_env: RunnerEnv) -> None:
    child_pid = runner_env.home / "child.pid"
    runner_env.write_job(
        "stubborn",
        "import subprocess, time\n"
        f"child = subprocess.Popen(['sleep', '300'])\nopen({str(child_pid)!r}, 'w').write(str(child.pid))\n"
        "print('ignoring interrupts', flush=True)\n"
        "deadline = time.monotonic() + 120\n"
        "while time.monotonic() < deadline:\n"
        "    try:\n"
        "        time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n"
        "        print('interrupt ignored', flush=True)\n",
    )
    run = service.create_run("stubborn", runner_env.client, {}, "tester")
    poll_until(lambda: "ignoring interrupts" in _texts(run["id"], "stdout"))
    pid = int(child_pid.read_text())
    add_to_groups("dana", ["appliers"])  # cancelling someone else's run needs the apply role
    service.cancel_run(run["id"], "dana")
    final = service.wait_for_run(run["id"], timeout=60)
    assert (final["status"], final["cancel_requested_by"]) == ("cancelled", "dana")
    assert "interrupt ignored" in _texts(run["id"], "stdout")
    assert any("killing it" in t for t in _texts(run["id"], "system"))
    poll_until(lambda: not _alive(pid), timeout=10)
