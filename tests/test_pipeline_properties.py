"""Property tests: order, exactly-once, batch sizes, filters, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import RecordError
from schoology_etl.pipeline import Pipeline, etl
from tests.test_pipeline_doubles import ListSource, RecordingSink

records_st = st.lists(
    st.fixed_dictionaries({"id": st.integers(), "name": st.text(max_size=5)}), max_size=60
)


def _numbered(records: list[dict]) -> list[dict]:
    return [{**r, "seq": i} for i, r in enumerate(records)]


@settings(max_examples=60)
@given(records=records_st, batch_size=st.integers(1, 10), n_identity=st.integers(0, 3))
def test_every_record_out_exactly_once_in_order(records: list[dict], batch_size: int, n_identity: int) -> None:
    records = _numbered(records)
    sink = RecordingSink(batch_size)
    transforms = [lambda r: dict(r)] * n_identity + [lambda r: [r]]  # fan-out of one keeps all
    report = etl(ListSource(records), sink, filters=[lambda r: True], transforms=transforms)
    assert sink.records == records
    assert report.read == report.written == len(records)
    assert all(len(b) <= batch_size for b in sink.batches)
    assert all(len(b) == batch_size for b in sink.batches[:-1])


@settings(max_examples=60)
@given(records=records_st, modulus=st.integers(1, 5), batch_size=st.integers(1, 7))
def test_a_filter_drops_exactly_what_it_rejects(records: list[dict], modulus: int, batch_size: int) -> None:
    records = _numbered(records)
    keep = lambda r: r["id"] % modulus == 0  # noqa: E731
    sink = RecordingSink(batch_size)
    report = etl(ListSource(records), sink, filters=[keep])
    assert sink.records == [r for r in records if keep(r)]
    assert report.filtered == sum(not keep(r) for r in records)
    assert report.filtered + report.written == report.read
    assert all(len(b) <= batch_size for b in sink.batches)


@settings(max_examples=40)
@given(records=records_st.filter(bool), data=st.data())
def test_record_error_carries_step_and_index(records: list[dict], data: st.DataObject) -> None:
    records = _numbered(records)
    bad = data.draw(st.integers(0, len(records) - 1))

    def check(r: dict) -> dict:
        if r["seq"] == bad:
            raise ValueError("bad")
        return r

    with pytest.raises(RecordError) as info:
        list(Pipeline.from_(ListSource(records)).map(lambda r: r).map(check, name="check"))
    assert (info.value.step, info.value.index, info.value.record) == ("check", bad, records[bad])


@settings(max_examples=40)
@given(records=records_st, fan=st.integers(0, 3))
def test_fan_out_keeps_parent_order(records: list[dict], fan: int) -> None:
    records = _numbered(records)
    sink = RecordingSink(4)
    etl(ListSource(records), sink, transforms=[lambda r: [{**r, "k": k} for k in range(fan)]])
    assert [(r["seq"], r["k"]) for r in sink.records] == [(i, k) for i in range(len(records)) for k in range(fan)]
