"""CSV source and sink: streaming, clear errors, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.io.csv import read_csv, write_csv
from schoology_etl.pipeline import Pipeline, etl


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_dicts_and_is_re_iterable(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "\ufeffid,name\r\n1,Ada\r\n\r\n2,\"Bo, Jr\"\r\n")
    source = read_csv(path)
    assert list(source) == [{"id": "1", "name": "Ada"}, {"id": "2", "name": "Bo, Jr"}]
    assert list(source) == list(source)
    assert source.columns == ["id", "name"]


def test_delimiter_and_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "id;name\n1;Zoë\n", encoding="latin-1")
    assert read_csv(path, delimiter=";", encoding="latin-1").head() == [{"id": "1", "name": "Zoë"}]


def test_wrong_field_count_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", 'id,name\n1,Ada\n2,"multi\nline"\n3,Cy,extra\n')
    with pytest.raises(SourceFormatError) as info:
        list(read_csv(path))
    err = info.value
    assert err.path == str(path) and err.line == 5 and err.index == 2
    assert str(err) == f"{path}, line 5: expected 2 fields, found 3"


def test_lenient_mode_pads_and_trims(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path / "u.csv", "a,b,c\n1\n1,2,3,4\n")
    assert list(read_csv(path, strict=False)) == [
        {"a": "1", "b": None, "c": None},
        {"a": "1", "b": "2", "c": "3"},
    ]
    assert "line 3: expected 3 fields, found 4" in caplog.text


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "id,name\n1,Ada\n")
    with pytest.raises(SourceFormatError, match="missing required column\\(s\\) 'school_uid', 'role'") as info:
        read_csv(path, required_columns=["id", "school_uid", "role"]).head()
    assert info.value.line == 1


def test_empty_file_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", "")
    with pytest.raises(SourceFormatError, match="empty"):
        list(read_csv(path))


def test_duplicate_header_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="duplicate column\\(s\\) in header: 'id'"):
        list(read_csv(_write(tmp_path / "d.csv", "id,id\n1,2\n")))
    path = tmp_path / "bin.csv"
    path.write_bytes(b"id,name\n1,\xff\xfe\n")
    with pytest.raises(SourceFormatError, match="not valid utf-8-sig text"):
        list(read_csv(path))


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    assert list(read_csv(_write(tmp_path / "h.csv", "id,name\n"))) == []


def test_write_then_read_round_trip_with_inferred_fieldnames(tmp_path: Path) -> None:
    target = tmp_path / "out" / "people.csv"
    rows = [{"id": "1", "name": "Ada, L"}, {"id": "2", "name": 'Say "hi"'}, {"id": "3"}]
    with write_csv(target) as sink:
        for row in rows:
            sink.write(row)
    assert list(read_csv(target)) == [*rows[:2], {"id": "3", "name": ""}]
    assert sink.summary() == {"path": str(target), "rows": 3, "columns": ["id", "name"]}
    assert os.listdir(target.parent) == ["people.csv"]


def test_extra_keys_raise_naming_record_and_key(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    sink = write_csv(target)
    with pytest.raises(RecordError) as info:
        with sink:
            sink.write({"id": 1})
            sink.write({"id": 2, "email": "x@example.org"})
    assert info.value.index == 1 and "'email'" in str(info.value)
    assert not target.exists() and os.listdir(tmp_path) == []


def test_extrasaction_ignore_and_given_fieldnames(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with write_csv(target, fieldnames=["name", "id"], extrasaction="ignore") as sink:
        sink.write({"id": 1, "name": "Ada", "junk": True})
    assert target.read_bytes().decode() == "name,id\r\nAda,1\r\n"


def test_empty_run_writes_header_when_fieldnames_known(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with write_csv(target, fieldnames=["id"]):
        pass
    assert target.read_bytes().decode() == "id\r\n"


def test_abort_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = _write(tmp_path / "keep.csv", "old\r\n")
    sink = write_csv(target)
    sink.batch_size = 2
    with pytest.raises(RuntimeError):
        with sink:
            for i in range(5):  # two batches reach the temp file before the failure
                sink.write({"id": i})
            raise RuntimeError("stop")
    assert target.read_bytes().decode() == "old\r\n"
    assert os.listdir(tmp_path) == ["keep.csv"]


def test_etl_failure_aborts_the_csv_sink(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", "id\n1\n2\n3\n")
    target = tmp_path / "out.csv"
    with pytest.raises(RecordError):
        etl(read_csv(source), write_csv(target), transforms=[lambda r: 1 / (int(r["id"]) - 3)])
    assert sorted(os.listdir(tmp_path)) == ["in.csv"]


def test_collect_mode_counts_refused_csv_rows(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", "id\n1\n2\n")
    target = tmp_path / "out.csv"
    report = etl(
        read_csv(source), write_csv(target, fieldnames=["id"]),
        transforms=[lambda r: {**r, "x": 1} if r["id"] == "2" else r], on_error="collect",
    )
    assert (report.written, report.failed) == (1, 1)
    assert report.failures[0].stage == "write_csv"
    assert target.read_bytes().decode() == "id\r\n1\r\n"
    assert report.sink["rows"] == 1


def test_pipeline_csv_to_csv(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", "uid,first,role\n1,Ada,T\n2,Bo,S\n")
    target = tmp_path / "out.csv"
    report = Pipeline.from_(read_csv(source)).where(role="S").rename(first="name_first").to(write_csv(target))
    assert target.read_bytes().decode() == "uid,name_first,role\r\n2,Bo,S\r\n"
    assert (report.read, report.filtered, report.written) == (2, 1, 1)


def test_bad_sink_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        write_csv(tmp_path / "x.csv", extrasaction="drop")  # type: ignore[arg-type]


cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=8)


@settings(max_examples=40, suppress_health_check=[*settings.default.suppress_health_check, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell), max_size=20))
def test_round_trip_property(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    target = tmp_path / "p.csv"
    records = [{"a": a, "b": b} for a, b in rows]
    with write_csv(target, fieldnames=["a", "b"]) as sink:
        sink.write_many(records)
    assert list(read_csv(target, encoding="utf-8")) == records
