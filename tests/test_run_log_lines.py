"""Lines as printed: stream pieces joined per stream before masking and storing (issue 16)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner.execution.logwriter import LineAssembler, LogWriter
from runner.execution.scrub import Scrubber, join_streams
from runner.store import LogLine, Run, session_scope
from tests.fixtures.runner_jobs import RunnerEnv

SECRET = "s3cr3t-value-0123456789"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_pieces_of_one_line_become_one_line_per_stream() -> None:
    a = LineAssembler()
    assert a.feed("count", now=0.0) == []
    assert a.feed(" r12", now=0.01) == []
    assert a.feed(" 1\ncount r12 2\nco", now=0.02) == ["count r12 1", "count r12 2"]
    assert a.take() == "co" and a.take() is None
    assert a.feed("\n", now=0.03) == [""]  # an empty printed line stays a line


def test_a_partial_line_is_given_after_idle_time_or_when_too_old() -> None:
    a = LineAssembler()
    a.feed("working", now=0.0)
    assert a.take_idle(now=0.5, idle=1.0) is None
    assert a.take_idle(now=1.0, idle=1.0) == "working"
    given = []
    for t in range(30):  # a dot every 0.5 s, never idle for 1 s: given once 10 s old in all
        a.feed(".", now=2.0 + t * 0.5)
        if (out := a.take_idle(now=2.0 + t * 0.5, idle=1.0)) is not None:
            given.append((t, out))
    assert given == [(20, "." * 21)]


def test_carriage_return_redraws_end_lines_so_progress_collapses_as_before() -> None:
    from runner.dashboard.logview import collapse

    bar = "\rusers: {:3d}%|{:<10}| {}/10 [00:01<00:02, 9.0it/s]"
    a = LineAssembler()
    assert a.feed(bar.format(10, "#", 1), now=0) == []
    assert a.feed(bar.format(50, "#####", 5), now=0.1) == [bar.format(10, "#", 1)]
    lines = [bar.format(10, "#", 1), *a.feed(bar.format(100, "#" * 10, 10) + "\n", now=0.2)]
    assert [e.text for e in collapse(("stderr", t) for t in lines)] == [bar.format(100, "#" * 10, 10)[1:]]


def _stored(run_id: int) -> list[tuple[str, str]]:
    with session_scope() as s:
        rows = s.query(LogLine).filter(LogLine.run_id == run_id).order_by(LogLine.seq).all()
        return [(r.stream, r.text) for r in rows]


@pytest.fixture
def run_id(runner_env: RunnerEnv) -> int:
    with session_scope() as s:
        run = Run(job_id="j", client="acme", requester="t")
        s.add(run)
        s.flush()
        return run.id


def test_a_secret_written_in_two_pieces_is_masked_as_a_whole(run_id: int) -> None:
    writer = LogWriter(run_id, Scrubber([SECRET]), clock=FakeClock())
    writer.write("stdout", "token=" + SECRET[:9])
    writer.write("stderr", "warning: slow\n")
    writer.write("stdout", SECRET[9:] + " done\n")
    writer.write("stdout", "tail without newline")
    assert writer.flush() == 2  # the partial line waits (not idle yet)
    writer.close()
    lines = _stored(run_id)
    assert lines == [("stderr", "warning: slow"), ("stdout", "token=******** done"),
                     ("stdout", "tail without newline")]
    assert all(SECRET[:9] not in text and SECRET[9:] not in text for _, text in lines)


def test_writer_flushes_a_partial_line_once_it_is_idle(run_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_PARTIAL_LINE_SECONDS", "0.5")
    clock = FakeClock()
    writer = LogWriter(run_id, Scrubber([]), clock=clock)
    writer.write("stdout", "Loading users... ")
    assert writer.flush() == 0
    clock.now = 0.6
    assert writer.flush() == 1
    writer.write("stdout", "done\n")
    writer.close()
    assert _stored(run_id) == [("stdout", "Loading users... "), ("stdout", "done")]


def test_output_notebook_joins_split_stream_outputs_before_masking() -> None:
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("print(token)")
    cell.outputs = [new_output("stream", name="stdout", text="token=" + SECRET[:9]),
                    new_output("stream", name="stdout", text=SECRET[9:] + "\n"),
                    new_output("stream", name="stderr", text="x\n")]
    nb = Scrubber([SECRET]).notebook(new_notebook(cells=[cell]))
    assert [(o["name"], o["text"]) for o in nb.cells[0].outputs] == [("stdout", "token=********\n"), ("stderr", "x\n")]
    assert join_streams([]) == []


def test_a_secret_a_notebook_writes_in_pieces_reaches_no_log_and_no_file(runner_env: RunnerEnv) -> None:
    from runner import service
    from runner.store import get_engine

    runner_env.write_job(
        "leaks_in_pieces",
        "import sys\nfrom schoology_etl.profiles import resolve_profile\nsecret = resolve_profile(client).secret\n"
        "half = len(secret) // 2\n"
        "for stream in (sys.stdout, sys.stderr):\n"
        "    stream.write('key: ' + secret[:half]); stream.flush()\n"
        "    stream.write(secret[half:] + ' ok\\n'); stream.flush()",
    )
    final = service.create_run("leaks_in_pieces", runner_env.client, {}, "tester", wait=True)
    assert final["status"] == "succeeded", final
    lines = [(ln["stream"], ln["text"]) for ln in service.iter_log(final["id"]) if ln["stream"] != "system"]
    assert lines == [("stdout", "key: ******** ok"), ("stderr", "key: ******** ok")]
    secret = runner_env.secret
    pieces = (secret.encode(), secret[: len(secret) // 2].encode(), secret[len(secret) // 2:].encode())
    for path in runner_env.home.rglob("*"):
        if path.is_file() and not path.name.startswith("toolbelt.db"):
            data = path.read_bytes()
            assert not any(p in data for p in pieces), path
    with get_engine().connect() as conn:
        for row in conn.execute(sa.text("SELECT text FROM log_lines")):
            assert not any(p.decode() in row.text for p in pieces)
