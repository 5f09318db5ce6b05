"""Security findings about runs: the worker trusts nothing in a store row; rights on every
view and action of a run; masking of every secret the process knows; private files."""

from __future__ import annotations

import bz2
import gzip
import io
import stat
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import service
from runner.access import add_to_groups
from runner.execution import scrub as scrub_module
from runner.execution.artifacts import collect_artifacts
from runner.execution.executioner import execute_run
from runner.execution.scrub import Scrubber, environment_secrets
from runner.roles import NotAllowedError
from runner.store import Run, get_engine
from tests.fixtures.runner_jobs import RunnerEnv

SECRET = "tiny"  # shorter than any old masking threshold: still never shown


def _queue(env: RunnerEnv, job: str = "hello", user: str = "tester") -> int:
    env.write_job(job, "print('hello from the catalog')")
    return service.create_run(job, env.client, {}, user, dispatch=service.DISPATCH_WORKERS)["id"]


def _tamper(run_id: int, **values: object) -> None:
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id).values(**values))


def _evil_notebook(tmp_path: Path, env: RunnerEnv) -> Path:
    path = tmp_path / "evil.ipynb"
    path.write_bytes((env.jobs_dir / "hello.ipynb").read_bytes().replace(b"hello from the catalog", b"EVIL RAN"))
    return path


@pytest.mark.parametrize("tampering", ["outside_notebook", "unknown_job", "other_hash", "lost_access"])
def test_the_worker_refuses_a_row_it_cannot_trust(runner_env: RunnerEnv, tmp_path: Path, tampering: str) -> None:
    run_id = _queue(runner_env)
    if tampering == "outside_notebook":
        _tamper(run_id, notebook_path=str(_evil_notebook(tmp_path, runner_env)))
        said = "not the catalog's"
    elif tampering == "unknown_job":
        _tamper(run_id, job_id="../evil", notebook_path=str(_evil_notebook(tmp_path, runner_env)))
        said = "is not in the job catalog"
    elif tampering == "other_hash":
        runner_env.write_job("hello", "print('EVIL RAN')")  # the catalog file changed after the request
        said = "is not the one this run was requested for"
    else:
        _tamper(run_id, requester="mallory")
        runner_env.write_job("hello", "print('hello from the catalog')", access=["provisioners"])
        _tamper(run_id, notebook_hash=__import__("hashlib").sha256(
            (runner_env.jobs_dir / "hello.ipynb").read_bytes()).hexdigest())
        said = "user 'mallory' may not run job 'hello'"
    outcome = execute_run(run_id)
    final = service.get_run(run_id, "tester" if tampering != "lost_access" else "mallory")
    assert outcome is not None and (final["status"], final["error_class"]) == ("failed", "refused")
    assert said in final["error_message"] and final["output_path"] is None
    texts = [line["text"] for line in service.iter_log(run_id, user="tester" if tampering != "lost_access" else "mallory")]
    assert not any("EVIL RAN" in t for t in texts) and any(t.startswith("refused: ") for t in texts)


def test_runs_logs_and_artifacts_are_shown_only_to_their_requester_and_viewers(runner_env: RunnerEnv) -> None:
    run_id = _queue(runner_env, user="tester")
    for look in (lambda: service.get_run(run_id, "eve"), lambda: list(service.iter_log(run_id, user="eve")),
                 lambda: service.artifacts_of(run_id, "eve")):
        with pytest.raises(NotAllowedError, match="needs the view role"):
            look()
    with pytest.raises(NotAllowedError, match="needs the apply role"):
        service.cancel_run(run_id, "eve")
    assert service.list_runs(user="eve") == [] and service.list_runs(user="eve", requester="tester") == []
    add_to_groups("vic", ["viewers"])
    assert service.get_run(run_id, "vic")["requester"] == "tester"
    assert [r["id"] for r in service.list_runs(user="vic")] == [run_id]
    with pytest.raises(NotAllowedError, match="needs the apply role"):
        service.cancel_run(run_id, "vic")  # seeing is not acting
    assert service.cancel_run(run_id, "tester")["status"] == "cancelled"  # one's own run


def test_apply_and_undo_need_the_apply_role(runner_env: RunnerEnv) -> None:
    run_id = _queue(runner_env, user="eve")
    with pytest.raises(NotAllowedError, match="apply the plan of run"):
        service.apply_run(run_id, "eve")
    with pytest.raises(NotAllowedError, match="undo run"):
        service.undo_run(run_id, "eve")


def test_a_real_run_masks_environment_secrets_and_keeps_the_store_url_out_of_the_kernel(
        runner_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "id_ed25519"
    key_body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    key_file.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{key_body}\n-----END OPENSSH PRIVATE KEY-----\n")
    monkeypatch.setenv("TOOLBELT_CLIENT_OTHER_KEY", "other-key")
    monkeypatch.setenv("TOOLBELT_CLIENT_OTHER_SECRET", SECRET)
    monkeypatch.setenv("TOOLBELT_CLIENT_OTHER_SFTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TOOLBELT_CLIENT_OTHER_SFTP_PASSWORD", "pw9")
    monkeypatch.setenv("TOOLBELT_CLIENT_OTHER_SFTP_PRIVATE_KEY", str(key_file))
    outside = tmp_path / "outside.txt"
    outside.write_text(f"not the run's file {SECRET}")
    runner_env.write_job(
        "leaky",
        "import os, gzip\n"
        f"print('secret', os.environ['TOOLBELT_CLIENT_OTHER_SECRET'], 'pw', os.environ['TOOLBELT_CLIENT_OTHER_SFTP_PASSWORD'])\n"
        f"print(open({str(key_file)!r}).read())\n"
        "print('store url in env:', os.environ.get('TOOLBELT_DB'))\n"
        f"gzip.open('leak.csv.gz', 'wt').write('x,{SECRET}\\n')\n"
        f"os.symlink({str(outside)!r}, 'link.txt')\n")
    final = service.create_run("leaky", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "succeeded", final
    texts = "\n".join(line["text"] for line in service.iter_log(final["id"]))
    assert f" {SECRET} " not in texts and "pw9" not in texts and key_body not in texts
    assert "secret ******** pw ********" in texts
    assert "store url in env: None" in texts
    assert "not collected: link.txt is a symbolic link" in texts
    assert [a["name"] for a in final["artifacts"]] == ["leak.csv.gz"]
    assert SECRET.encode() not in gzip.decompress(Path(final["artifacts"][0]["path"]).read_bytes())
    assert outside.read_text() == f"not the run's file {SECRET}"  # never rewritten through the link
    for path in [runner_env.home, *runner_env.home.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_compressed_files_are_scrubbed_inside(tmp_path: Path) -> None:
    (tmp_path / "a.gz").write_bytes(gzip.compress(f"k={SECRET}".encode()))
    (tmp_path / "b.bz2").write_bytes(bz2.compress(f"k={SECRET}".encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner/report.csv", f"k,{SECRET}\n")
    (tmp_path / "c.zip").write_bytes(buf.getvalue())
    rows = collect_artifacts(tmp_path, Scrubber([SECRET]))
    assert [r["name"] for r in rows] == ["a.gz", "b.bz2", "c.zip"]
    assert gzip.decompress((tmp_path / "a.gz").read_bytes()) == b"k=********"
    assert bz2.decompress((tmp_path / "b.bz2").read_bytes()) == b"k=********"
    assert zipfile.ZipFile(tmp_path / "c.zip").read("inner/report.csv") == b"k,********\n"


def test_a_file_too_large_to_scrub_is_withheld_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrub_module, "MAX_SCRUBBED_FILE_BYTES", 1000)
    (tmp_path / "big.csv").write_text("x" * 2000 + SECRET)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"y" * 5000))  # small, but too large once decompressed
    (tmp_path / "small.csv").write_text(SECRET)
    notes: list[str] = []
    rows = collect_artifacts(tmp_path, Scrubber([SECRET]), note=notes.append)
    assert [r["name"] for r in rows] == ["small.csv"]
    assert any(n.startswith("withheld: big.csv") for n in notes) and any(n.startswith("withheld: bomb.gz") for n in notes)


def test_the_store_password_is_a_known_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_DB", "postgresql://toolbelt:Pw0@127.0.0.1:5432/test")
    assert {"Pw0", "postgresql://toolbelt:Pw0@127.0.0.1:5432/test"} <= environment_secrets()


def test_the_applier_refuses_an_apply_row_naming_someone_without_the_apply_role(runner_env: RunnerEnv) -> None:
    from runner.execution.apply_process import run_apply

    run_id = _queue(runner_env)
    _tamper(run_id, status="applying", applied_by="mallory", worker_id=None,
            plan_path=str(runner_env.home / "plan.jsonl"), plan_digest="0" * 64)
    outcome = run_apply(run_id)
    final = service.get_run(run_id, "tester")
    assert outcome is not None and (final["status"], final["error_class"]) == ("failed", "refused")
    assert "user 'mallory' may not apply the plan" in final["error_message"]
