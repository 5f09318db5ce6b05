"""Schoology source and sink.

Unit tests use a small stand-in client (shape of the client contract only); the
integration tests at the bottom run the real clients against the sandbox over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from schoology_etl.bulk import BulkResult
from schoology_etl.errors import ConfigurationError, ResponseFormatError
from schoology_etl.io.schoology import (
    AsyncSchoologySink,
    SchoologySink,
    read_schoology,
    write_schoology,
)
from schoology_etl.pipeline import Pipeline, aetl, etl
from tests.test_pipeline_doubles import RecordingSink


@dataclass
class _Stats:
    requests: int = 0
    retries: int = 0


@dataclass
class StubClient:
    """Pages of users and a bulk endpoint refusing items without a name (contract shape only)."""

    users: list[dict[str, Any]]
    page_size: int = 2
    stats: _Stats = field(default_factory=_Stats)
    calls: list[tuple[str, str, int, dict]] = field(default_factory=list)

    def iter_records(self, endpoint: str, **query: Any) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self.users), self.page_size):
            self.stats.requests += 1
            yield from (u for u in self.users[start : start + self.page_size] if _match(u, query))

    def bulk(self, endpoint: str, items: list[dict], method: str = "POST", params: Any = None) -> list[BulkResult]:
        self.stats.requests += 1
        self.calls.append((endpoint, method, len(items), dict(params or {})))
        return [
            BulkResult(i, item, bool(item.get("name")), 200 if item.get("name") else 400,
                       id=item.get("id"), message=None if item.get("name") else "name is required")
            for i, item in enumerate(items)
        ]


class AsyncStubClient(StubClient):
    async def iter_records(self, endpoint: str, **query: Any) -> AsyncIterator[dict[str, Any]]:  # type: ignore[override]
        for record in StubClient.iter_records(self, endpoint, **query):
            yield record

    async def bulk(self, *args: Any, **kw: Any) -> list[BulkResult]:  # type: ignore[override]
        return StubClient.bulk(self, *args, **kw)


def _match(user: dict, query: dict) -> bool:
    return all(str(user.get(k)) == str(v) for k, v in query.items())


USERS = [{"id": i, "name": f"u{i}", "role_id": 1 + i % 2} for i in range(5)]


def test_source_pages_afresh_each_iteration_and_passes_params() -> None:
    client = StubClient(USERS)
    source = read_schoology(client, "users", role_id=2)
    assert [u["id"] for u in source] == [1, 3]
    assert [u["id"] for u in source] == [1, 3]
    assert client.stats.requests == 6
    assert source.client is client and "role_id=2" in repr(source)


def test_head_stops_paging_early() -> None:
    client = StubClient(USERS)
    assert read_schoology(client, "users").head(1) == [USERS[0]]
    assert client.stats.requests == 1


def test_sink_writes_in_bulk_with_per_record_results() -> None:
    client = StubClient([])
    records = [{"id": i, "name": "" if i == 3 else f"n{i}"} for i in range(7)]
    sink = write_schoology(client, "users", method="put", params={"update_existing": 1}, batch_size=3)
    assert isinstance(sink, SchoologySink)
    report = etl(records, sink)
    assert [c[:3] for c in client.calls] == [("users", "PUT", 3), ("users", "PUT", 3), ("users", "PUT", 1)]
    assert client.calls[0][3] == {"update_existing": 1}
    assert [r.index for r in sink.results] == list(range(7))
    bad = sink.results[3]
    assert not bad.ok and bad.message == "name is required" and bad.record == records[3]
    assert bad.extra == {"response_code": 400, "id": 3, "location": None}
    assert (report.written, report.failed, report.requests) == (6, 1, 3)
    assert report.failures[0].index == 3 and report.failures[0].message == "name is required"
    assert report.sink["response codes"] == {200: 6, 400: 1}


def test_sink_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="at most|between 1 and 50"):
        write_schoology(StubClient([]), "users", batch_size=51)
    with pytest.raises(ConfigurationError, match="method"):
        write_schoology(StubClient([]), "users", method="PATCH")
    with pytest.raises(ConfigurationError, match="cap of 50"):
        Pipeline.from_(USERS).batch(60).to(write_schoology(StubClient([]), "users"))


def test_a_result_count_mismatch_is_a_format_error() -> None:
    client = StubClient([])
    client.bulk = lambda *a, **k: []  # type: ignore[method-assign]
    with pytest.raises(ResponseFormatError, match="0 result"):
        etl([{"id": 1, "name": "x"}], write_schoology(client, "users"))


def test_async_client_needs_async_iteration() -> None:
    source = read_schoology(AsyncStubClient(USERS), "users")
    with pytest.raises(ConfigurationError, match="async"):
        list(source)


async def test_async_source_and_sink() -> None:
    client = AsyncStubClient(USERS)
    sink = write_schoology(client, "users", method="PUT")
    assert isinstance(sink, AsyncSchoologySink)
    report = await aetl(read_schoology(client, "users"), sink, transforms=[lambda u: {**u, "name": u["name"].upper()}])
    assert [r.record["name"] for r in sink.results] == ["U0", "U1", "U2", "U3", "U4"]
    assert report.read == report.written == 5
    assert report.requests == 3 + 1


async def test_sync_client_source_also_reads_with_async_for() -> None:
    sink = RecordingSink()
    await aetl(read_schoology(StubClient(USERS), "users"), sink)
    assert sink.records == USERS


# -- integration: the real clients against the sandbox over HTTP ------------------------

from schoology_etl.async_client import AsyncSchoologyClient  # noqa: E402
from schoology_etl.client import SchoologyClient  # noqa: E402
from schoology_etl.credentials import Credentials  # noqa: E402


def _creds(srv: Any) -> Credentials:
    return Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret)


def _role_id(srv: Any, title: str) -> int:
    return next(r["id"] for r in srv.state()["roles"].values() if r["title"] == title)


def test_read_users_from_the_sandbox(sandbox: Any) -> None:
    with SchoologyClient(_creds(sandbox), rate_limit=1000) as client:
        source = read_schoology(client, "users", limit=50)
        sink = RecordingSink(batch_size=100)
        report = etl(source, sink)
    expected = sorted(int(uid) for uid in sandbox.state()["users"])
    assert sorted(int(u["id"]) for u in sink.records) == expected
    assert report.read == len(expected)
    counters = sandbox.counters()
    assert report.requests == counters["requests"] == counters["by_route"]["GET /users"] > 1


def test_bulk_update_students_then_check_the_sandbox_state(sandbox: Any) -> None:
    student = _role_id(sandbox, "Student")
    with SchoologyClient(_creds(sandbox), rate_limit=1000) as client:
        report = (
            Pipeline.from_(read_schoology(client, "users", role_ids=student))
            .limit(7)
            .map(lambda u: {"id": u["id"], "position": "Peer tutor"})
            .batch(3)
            .to(write_schoology(client, "users", method="PUT"))
        )
    assert (report.read, report.written, report.failed) == (7, 7, 0)
    assert report.sink["response codes"] == {200: 7}
    users = sandbox.state()["users"].values()
    tutors = [u for u in users if u["position"] == "Peer tutor"]
    assert len(tutors) == 7 and all(u["role_id"] == student for u in tutors)
    assert sandbox.counters()["by_route"]["PUT /users"] == 3  # batches of 3, 3, 1
    assert report.requests == sandbox.counters()["requests"]


def test_partial_bulk_failure_is_reported_per_record(sandbox: Any) -> None:
    some = next(iter(sandbox.state()["users"].values()))
    records = [{"id": some["uid"], "position": "Counselor"}, {"id": 999_999_999, "position": "Ghost"}]
    with SchoologyClient(_creds(sandbox), rate_limit=1000) as client:
        sink = write_schoology(client, "users", method="PUT")
        report = etl(records, sink)
    assert (report.written, report.failed) == (1, 1)
    ghost = sink.results[1]
    assert not ghost.ok and ghost.extra["response_code"] == 404 and "999999999" in (ghost.message or "")
    assert report.failures[0].index == 1 and report.failures[0].record == records[1]
    assert sandbox.state()["users"][str(some["uid"])]["position"] == "Counselor"


async def test_async_read_and_bulk_write_against_the_sandbox(sandbox: Any) -> None:
    teacher = _role_id(sandbox, "Teacher")
    async with AsyncSchoologyClient(_creds(sandbox), rate_limit=1000) as client:
        sink = write_schoology(client, "users", method="PUT", batch_size=5)
        assert isinstance(sink, AsyncSchoologySink)
        report = await aetl(
            read_schoology(client, "users", role_ids=teacher, limit=3), sink,
            transforms=[lambda u: {"id": u["id"], "department": "Science"}],
        )
    teachers = [u for u in sandbox.state()["users"].values() if u["role_id"] == teacher]
    assert report.read == report.written == len(teachers) > 0
    assert all(u["department"] == "Science" for u in teachers)
    assert report.requests == sandbox.counters()["requests"]


def test_async_and_sync_reads_agree(sandbox: Any) -> None:
    import asyncio

    with SchoologyClient(_creds(sandbox), rate_limit=1000) as client:
        sync_ids = [u["id"] for u in read_schoology(client, "users", limit=40)]

    async def read_async() -> list[Any]:
        async with AsyncSchoologyClient(_creds(sandbox), rate_limit=1000) as client:
            return [u["id"] async for u in read_schoology(client, "users", limit=40)]

    assert asyncio.run(read_async()) == sync_ids
