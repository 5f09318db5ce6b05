"""aetl(): same results as etl(), async and sync sources and sinks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import RecordError
from schoology_etl.pipeline import Pipeline, aetl, etl
from tests.test_pipeline_doubles import AsyncListSource, AsyncRecordingSink, ListSource, RecordingSink

FILTERS = [lambda r: r["id"] % 3 != 0]
TRANSFORMS = [lambda r: {**r, "double": r["id"] * 2}, lambda r: [r, {**r, "copy": True}] if r["id"] % 2 else r]


def _run_async(coro):
    import asyncio

    return asyncio.run(coro)  # the test owns the loop; the library never calls asyncio.run


@settings(max_examples=30)
@given(ids=st.lists(st.integers(0, 1000), max_size=40), limit=st.none() | st.integers(0, 50))
def test_async_etl_equals_sync_etl(ids: list[int], limit: int | None) -> None:
    records = [{"id": i} for i in ids]
    sync_sink = RecordingSink(batch_size=4)
    sync_report = etl(ListSource(records), sync_sink, filters=FILTERS, transforms=TRANSFORMS, limit=limit)
    async_sink = AsyncRecordingSink(batch_size=4)
    async_report = _run_async(
        aetl(AsyncListSource(records), async_sink, filters=FILTERS, transforms=TRANSFORMS, limit=limit)
    )
    assert async_sink.records == sync_sink.records
    assert async_sink.batches == sync_sink.batches
    for field in ("read", "filtered", "written", "failed"):
        assert getattr(async_report, field) == getattr(sync_report, field)


async def test_aetl_accepts_a_sync_source_and_a_sync_sink() -> None:
    sink = RecordingSink(batch_size=2)
    report = await aetl(ListSource([{"id": 1}, {"id": 2}, {"id": 3}]), sink, limit=2)
    assert sink.records == [{"id": 1}, {"id": 2}] and sink.finished
    assert report.read == 2


async def test_aetl_aborts_the_async_sink_on_error() -> None:
    sink = AsyncRecordingSink()

    def boom(r: dict) -> dict:
        raise RuntimeError("x")

    with pytest.raises(RecordError) as info:
        await aetl(AsyncListSource([{"id": 1}]), sink, transforms=[boom])
    assert info.value.index == 0 and sink.aborted


async def test_aetl_collect_mode() -> None:
    sink = AsyncRecordingSink()
    report = await aetl(
        AsyncListSource([{"id": 1}, {"id": 2, "bad": True}]), sink,
        filters=[lambda r: 1 / r["id"]], on_error="collect",
    )
    assert (report.written, report.failed) == (1, 1)
    assert report.failures[0].stage == "sink"


async def test_pipeline_ato() -> None:
    sink = AsyncRecordingSink()
    report = await Pipeline.from_(AsyncListSource([{"id": 1}, {"id": 2}])).where(id=2).ato(sink)
    assert sink.records == [{"id": 2}] and report.filtered == 1
