"""etl(): counts, steps, errors, sink lifetime, limits, client stats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.pipeline import RunReport, etl
from tests.test_pipeline_doubles import ListSource, RecordingSink

PEOPLE = [{"id": i, "role": "teacher" if i % 2 else "student"} for i in range(7)]


def test_records_flow_in_order_and_report_counts() -> None:
    sink = RecordingSink(batch_size=3)
    report = etl(ListSource(PEOPLE), sink)
    assert sink.records == PEOPLE
    assert [len(b) for b in sink.batches] == [3, 3, 1]
    assert sink.finished and not sink.aborted
    assert (report.read, report.filtered, report.written, report.failed) == (7, 0, 7, 0)
    assert report.elapsed >= 0


def test_filters_run_before_transforms_and_drop_is_counted() -> None:
    seen: list[Any] = []

    def tag(r: dict) -> dict:
        seen.append(r["id"])
        return {**r, "tagged": True}

    sink = RecordingSink()
    report = etl(ListSource(PEOPLE), sink, filters=[lambda r: r["role"] == "teacher"], transforms=[tag])
    assert seen == [1, 3, 5]
    assert sink.records == [{"id": i, "role": "teacher", "tagged": True} for i in (1, 3, 5)]
    assert (report.read, report.filtered, report.written) == (7, 4, 3)


def test_steps_do_not_mutate_the_source_records() -> None:
    records = [{"id": 1}]
    etl(ListSource(records), RecordingSink(), transforms=[lambda r: {**r, "x": 1}])
    assert records == [{"id": 1}]


def test_transform_returning_none_drops() -> None:
    sink = RecordingSink()
    report = etl(ListSource(PEOPLE), sink, transforms=[lambda r: r if r["id"] < 2 else None])
    assert [r["id"] for r in sink.records] == [0, 1]
    assert report.filtered == 5


def test_transform_fans_out_and_later_steps_see_every_child() -> None:
    parents = [{"parent": "p1", "children": ["a", "b"]}, {"parent": "p2", "children": []}]

    def rows(r: dict):
        for child in r["children"]:
            yield {"parent": r["parent"], "child": child}

    sink = RecordingSink()
    report = etl(ListSource(parents), sink, transforms=[rows, lambda r: {**r, "n": len(r["child"])}])
    assert sink.records == [
        {"parent": "p1", "child": "a", "n": 1},
        {"parent": "p1", "child": "b", "n": 1},
    ]
    assert (report.read, report.filtered, report.written) == (2, 1, 2)


def test_a_failing_step_raises_record_error_with_step_index_record_and_cause() -> None:
    def explode(r: dict) -> dict:
        if r["id"] == 4:
            raise ValueError("no good")
        return r

    sink = RecordingSink(batch_size=100)
    with pytest.raises(RecordError) as info:
        etl(ListSource(PEOPLE), sink, transforms=[explode])
    err = info.value
    assert err.step == "test_a_failing_step_raises_record_error_with_step_index_record_and_cause.<locals>.explode"
    assert err.index == 4
    assert err.record == {"id": 4, "role": "student"}
    assert isinstance(err.__cause__, ValueError)
    assert "no good" in str(err) and "record 4" in str(err)
    assert sink.aborted and not sink.finished and sink.batches == []


def test_filter_errors_name_the_filter() -> None:
    with pytest.raises(RecordError) as info:
        etl(ListSource([{"a": 1}]), RecordingSink(), filters=[lambda r: r["missing"]])
    assert info.value.step == "test_filter_errors_name_the_filter.<locals>.<lambda>"
    assert info.value.index == 0
    assert isinstance(info.value.__cause__, KeyError)


def test_bad_transform_results_are_record_errors() -> None:
    with pytest.raises(RecordError, match="must return a dict"):
        etl(ListSource([{"a": 1}]), RecordingSink(), transforms=[lambda r: "oops"])
    with pytest.raises(RecordError, match="must yield dicts"):
        etl(ListSource([{"a": 1}]), RecordingSink(), transforms=[lambda r: [1, 2]])


def test_collect_mode_counts_failures_and_goes_on() -> None:
    def half(r: dict) -> dict:
        if r["id"] % 2:
            raise ValueError(f"odd {r['id']}")
        return r

    sink = RecordingSink()
    report = etl(ListSource(PEOPLE), sink, transforms=[half], on_error="collect", max_failures=2)
    assert [r["id"] for r in sink.records] == [0, 2, 4, 6]
    assert (report.read, report.written, report.failed) == (7, 4, 3)
    assert [(f.index, f.message) for f in report.failures] == [(1, "ValueError: odd 1"), (3, "ValueError: odd 3")]
    assert report.failures[0].record == {"id": 1, "role": "teacher"}
    assert not report.ok and sink.finished


def test_sink_failures_count_as_failed() -> None:
    records = [{"id": 1}, {"id": 2, "bad": True}, {"id": 3}]
    report = etl(ListSource(records), RecordingSink(batch_size=2))
    assert (report.written, report.failed) == (2, 1)
    assert report.failures[0].stage == "sink" and report.failures[0].message == "refused"


def test_limit_reads_only_that_many_and_closes_the_source() -> None:
    source = ListSource(PEOPLE)
    sink = RecordingSink()
    report = etl(source, sink, limit=3)
    assert [r["id"] for r in sink.records] == [0, 1, 2]
    assert report.read == 3
    assert source.opened == source.closed == 1


def test_limit_zero_reads_nothing() -> None:
    report = etl(ListSource(PEOPLE), RecordingSink(), limit=0)
    assert report.read == 0


def test_bad_options_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="on_error"):
        etl(ListSource(PEOPLE), RecordingSink(), on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="limit"):
        etl(ListSource(PEOPLE), RecordingSink(), limit=-1)
    with pytest.raises(TypeError, match="callable"):
        etl(ListSource(PEOPLE), RecordingSink(), filters=["role"])  # type: ignore[list-item]


def test_source_errors_abort_the_sink() -> None:
    def broken():
        yield {"id": 1}
        raise OSError("disk gone")

    sink = RecordingSink()
    with pytest.raises(OSError):
        etl(broken(), sink)
    assert sink.aborted


@dataclass
class _Stats:
    requests: int = 0
    retries: int = 0


class _StatsClient:
    def __init__(self) -> None:
        self.stats = _Stats(requests=10, retries=1)


class _ClientSource(ListSource):
    def __init__(self, records: list[dict], client: _StatsClient) -> None:
        super().__init__(records)
        self.client = client

    def _iter(self):
        for r in super()._iter():
            self.client.stats.requests += 1
            self.client.stats.retries += 2
            yield r


def test_requests_and_retries_are_the_client_delta_over_the_run() -> None:
    client = _StatsClient()
    sink = RecordingSink()
    sink.client = client  # same client on both ends is counted once
    report = etl(_ClientSource(PEOPLE[:3], client), sink)
    assert (report.requests, report.retries) == (3, 6)


def test_progress_bar_runs(capsys: pytest.CaptureFixture[str]) -> None:
    report = etl(ListSource(PEOPLE), RecordingSink(), progress=True)
    assert report.read == 7
    assert "7" in capsys.readouterr().err


def test_report_is_a_run_report() -> None:
    assert isinstance(etl(ListSource([]), RecordingSink()), RunReport)


def test_an_async_sink_in_sync_etl_says_to_use_aetl() -> None:
    from tests.test_pipeline_doubles import AsyncRecordingSink

    with pytest.raises(ConfigurationError, match="use aetl"):
        etl(ListSource(PEOPLE), AsyncRecordingSink())
