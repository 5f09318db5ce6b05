"""Both drivers over real HTTP against a small scripted server on loopback.

The scripted server stands in for the parts of the API (and its edge) that the sandbox
does not play: HTML error pages, disagreeing next links, exact replies. The sandbox
tests are in test_client_sandbox.py.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from schoology_etl.async_client import AsyncSchoologyClient
from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import NetworkError, ResponseFormatError, ServerError
from schoology_etl.retry import RetryPolicy
from tests.fixtures.ports import refused_port

Reply = tuple[int, dict[str, str], str]


class Scripted:
    """A loopback HTTP server answering from a function; it records every request."""

    def __init__(self, answer: Callable[[str, str, dict[str, str], bytes], Reply]) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                query = dict(parse_qsl(urlsplit(self.path).query))
                auth = dict(parse_authorization_header(self.headers["Authorization"]))
                outer.requests.append({"method": self.command, "path": self.path, "auth": auth})
                status, headers, text = answer(self.command, urlsplit(self.path).path, query, body)
                data = text.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.creds = Credentials(base_url=self.base_url, key=secrets.token_hex(8), secret=secrets.token_hex(8))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    servers: list[Scripted] = []

    def make(answer: Callable[..., Reply]) -> Scripted:
        servers.append(Scripted(answer))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def as_json(status: int, data: Any, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(data)


FAST = RetryPolicy(max_retries=3, initial=0.01, maximum=0.01, jitter=0)


def test_html_error_body_is_a_format_error_with_an_excerpt(scripted) -> None:
    srv = scripted(lambda *a: (403, {"Content-Type": "text/html"},
                               "<html><body><h1>403 Forbidden</h1>awselb/2.0</body></html>"))
    with SchoologyClient(srv.creds) as client:
        with pytest.raises(ResponseFormatError) as info:
            client.get("users/1")
    assert "403 Forbidden" in str(info.value) and info.value.status == 403
    assert srv.creds.secret not in str(info.value)


def test_redirect_is_followed_by_us_with_a_new_signature(scripted) -> None:
    def answer(method, path, query, body) -> Reply:
        if path == "/v1/users/me":
            return 303, {"Location": "http://api.example.invalid/v1/users/5"}, ""
        return as_json(200, {"uid": "5", "name_first": "Ada"})

    srv = scripted(answer)
    with SchoologyClient(srv.creds) as client:
        assert client.get("me") == {"uid": 5, "name_first": "Ada"}
        assert client.stats.redirects == 1
    first, second = srv.requests
    assert second["path"] == "/v1/users/5"  # an http:// Location is rebased onto our own host
    assert first["auth"]["oauth_nonce"] != second["auth"]["oauth_nonce"]


def test_each_retry_is_resigned_and_counted(scripted) -> None:
    calls = {"n": 0}

    def answer(*a) -> Reply:
        calls["n"] += 1
        return as_json(503, {}) if calls["n"] < 3 else as_json(200, {"id": 1})

    srv = scripted(answer)
    with SchoologyClient(srv.creds, retry_policy=FAST) as client:
        assert client.get("users/1") == {"id": 1}
        assert (client.stats.retries, client.stats.requests) == (2, 3)
    assert len({r["auth"]["oauth_nonce"] for r in srv.requests}) == 3


def test_server_errors_surface_after_retries_run_out(scripted) -> None:
    srv = scripted(lambda *a: as_json(500, {"error": "boom"}))
    slept: list[float] = []
    with SchoologyClient(srv.creds, retry_policy=FAST, sleep=slept.append) as client:
        with pytest.raises(ServerError, match="boom"):
            client.get("users/1")
    assert len(srv.requests) == 4 and len(slept) == 3


@pytest.fixture
def closed_port() -> Iterator[int]:
    with refused_port() as port:
        yield port


def test_unreachable_host_is_a_network_error_after_retries(closed_port: int) -> None:
    creds = Credentials(base_url=f"http://127.0.0.1:{closed_port}/v1", key=secrets.token_hex(8), secret="s")
    slept: list[float] = []
    # a budget whose first paced slice (rate // 10) holds all five sends: only the retries sleep
    with SchoologyClient(creds, max_retries=4, rate_limit=100, sleep=slept.append) as client:
        with pytest.raises(NetworkError) as info:
            client.get("users")
        assert client.stats.retries == 4 and len(slept) == 4
    assert isinstance(info.value.__cause__, Exception) and "requests" not in type(info.value).__module__


def test_async_unreachable_host_is_a_network_error_after_retries(closed_port: int) -> None:
    creds = Credentials(base_url=f"http://127.0.0.1:{closed_port}/v1", key=secrets.token_hex(8), secret="s")
    slept: list[float] = []

    async def fake_sleep(s: float) -> None:
        slept.append(s)

    async def main() -> None:
        async with AsyncSchoologyClient(creds, max_retries=2, sleep=fake_sleep) as client:
            with pytest.raises(NetworkError):
                await client.get("users")
            assert client.stats.retries == 2

    asyncio.run(main())
    assert len(slept) == 2


def paged_server(total: int, *, next_param: str = "start") -> Callable[..., Reply]:
    """Pages of users; ``next_param='start_id'`` makes next links disagree with offsets."""

    def answer(method, path, query, body) -> Reply:
        limit = min(int(query.get("limit", 20)), 200)
        if "start_id" in query:
            start = int(query["start_id"])
        else:
            start = int(query.get("start", 0))
        rows = [{"uid": str(i), "id": i} for i in range(start, min(start + limit, total))]
        links = {"self": "x"}
        if start + limit < total:
            links["next"] = f"http://api.example.invalid/v1/users?{next_param}={start + limit}&limit={limit}"
        return as_json(200, {"user": rows, "total": str(total), "links": links})

    return answer


@pytest.mark.parametrize("next_param", ["start", "start_id"])
def test_async_parallel_paging_matches_sync_order(scripted, next_param: str) -> None:
    srv = scripted(paged_server(1234, next_param=next_param))
    with SchoologyClient(srv.creds, page_limit=100, rate_limit=1000) as client:
        sync_ids = [r["uid"] for r in client.iter_records("users")]

    async def read() -> list[int]:
        async with AsyncSchoologyClient(srv.creds, page_limit=100, max_concurrency=4, rate_limit=1000) as client:
            return [r["uid"] async for r in client.iter_records("users")]

    assert sync_ids == list(range(1234))
    assert asyncio.run(read()) == sync_ids


def test_async_reader_stopped_early_cancels_its_lookahead(scripted) -> None:
    srv = scripted(paged_server(5000))

    async def main() -> int:
        async with AsyncSchoologyClient(srv.creds, page_limit=50, max_concurrency=2) as client:
            out = []
            async for r in client.iter_records("users"):
                out.append(r)
                if len(out) == 120:
                    break
            return client.stats.pages

    pages = asyncio.run(main())
    assert pages < 12  # first page + a bounded look-ahead, not all 100 pages


def test_sync_reader_stopped_early_reads_a_bounded_window(scripted) -> None:
    srv = scripted(paged_server(5000))
    with SchoologyClient(srv.creds, page_limit=50, max_concurrency=2, rate_limit=1000) as client:
        rows = client.iter_records("users")
        first = [next(rows) for _ in range(120)]
        rows.close()
        assert [r["uid"] for r in first] == list(range(120))
        assert client.stats.pages < 12


def test_sequential_sync_reads_follow_links_only(scripted) -> None:
    srv = scripted(paged_server(450))
    with SchoologyClient(srv.creds, page_limit=200, max_concurrency=1, rate_limit=1000) as client:
        assert [r["uid"] for r in client.iter_records("users")] == list(range(450))
    starts = [dict(parse_qsl(urlsplit(r["path"]).query))["start"] for r in srv.requests]
    assert starts == ["0", "200", "400"]


def test_bulk_row_count_mismatch_is_a_format_error(scripted) -> None:
    srv = scripted(lambda *a: as_json(207, {"user": [{"response_code": 200}]}))
    with SchoologyClient(srv.creds) as client:
        with pytest.raises(ResponseFormatError, match="1 result rows for 2 items"):
            client.create("users", [{"school_uid": "a"}, {"school_uid": "b"}])
