"""The sandbox server itself: rate limit, faults, counters, control endpoints, lifecycle."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import requests

from schoology_etl.errors import ConfigurationError
from schoology_sandbox import SandboxConfig, SandboxServer, seed_district
from schoology_sandbox.guards import FaultInjector, WindowLimiter
from tests.fixtures.sandbox import SignedRequests


def test_rate_limit_answers_429_with_retry_after(sandbox_factory):
    server = sandbox_factory(rate_limit=5, rate_window=30.0)
    http = SignedRequests(server)
    codes = [http.get("roles").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    throttled = http.get("roles")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 30
    assert server.counters()["throttled"] == 3


def test_window_limiter_frees_slots_as_time_passes():
    now = [0.0]
    limiter = WindowLimiter(2, 5.0, clock=lambda: now[0])
    assert limiter.acquire("k") is None and limiter.acquire("k") is None
    assert limiter.acquire("k") == 5.0
    assert limiter.acquire("other") is None  # per key
    now[0] = 4.0
    assert limiter.acquire("k") == 1.0
    now[0] = 5.0
    assert limiter.acquire("k") is None


def test_configure_changes_the_rate_limit_at_runtime(sandbox):
    http = SignedRequests(sandbox)
    assert sandbox.configure(rate_limit=1, rate_window=60)["rate_limit"] == 1
    assert [http.get("roles").status_code for _ in range(2)] == [200, 429]
    sandbox.configure(rate_limit=0)
    assert http.get("roles").status_code == 200


def test_fault_injection_rate_is_about_right_and_seeded():
    injector = FaultInjector(0.3, seed=7)
    draws = [injector.draw() for _ in range(2000)]
    failures = [d for d in draws if d is not None]
    assert set(failures) == {500, 503}
    assert 500 <= len(failures) <= 700  # about 30 %
    again = FaultInjector(0.3, seed=7)
    assert [again.draw() for _ in range(2000)] == draws
    other = FaultInjector(0.3, seed=8)
    assert [other.draw() for _ in range(2000)] != draws


def test_served_faults_follow_the_seeded_sequence(sandbox_factory):
    server = sandbox_factory(fail_rate=0.3, seed=7)
    http = SignedRequests(server)
    codes = [http.get("roles").status_code for _ in range(40)]
    expected = FaultInjector(0.3, seed=7)
    assert codes == [expected.draw() or 200 for _ in range(40)]
    assert 200 in codes and {500, 503} & set(codes)
    assert server.counters()["faults"] == len([c for c in codes if c != 200])


def test_faults_happen_before_anything_else(sandbox_factory):
    server = sandbox_factory(fail_rate=1.0)
    http = SignedRequests(server)
    item = {"school_uid": "F1", "name_first": "A", "name_last": "B", "role_id": 1, "username": "ab"}
    assert http.post("users", json={"users": {"user": [item]}}).status_code in {500, 503}
    assert requests.get(server.base_url + "/users", timeout=10).status_code in {500, 503}  # even unsigned
    counters = server.counters()
    assert counters["faults"] == 2 and counters["auth_failures"] == 0
    assert "F1" not in {u["school_uid"] for u in server.state()["users"].values()}


def test_latency_is_configurable(sandbox):
    assert sandbox.configure(latency_ms=5)["latency_ms"] == 5
    assert SignedRequests(sandbox).get("roles").status_code == 200


def test_configure_rejects_unknown_settings(sandbox):
    response = requests.post(sandbox.root_url + "/_sandbox/configure", json={"secret": "x"}, timeout=10)
    assert response.status_code == 400


def test_counters_by_method_and_route(sandbox, sandbox_http):
    user = next(iter(sandbox.state()["users"].values()))
    sandbox_http.get("users")
    sandbox_http.get(f"users/{user['uid']}")
    sandbox_http.get(f"users/{user['uid']}")
    sandbox_http.put(f"users/{user['uid']}", json={"position": "x"})
    counters = sandbox.counters()
    assert counters["requests"] == 4
    assert counters["by_method"] == {"GET": 3, "PUT": 1}
    assert counters["by_route"] == {"GET /users": 1, "GET /users/{id}": 2, "PUT /users/{id}": 1}
    assert counters["by_status"] == {"200": 3, "204": 1}


def test_state_dump_and_reset(sandbox, sandbox_http):
    before = sandbox.state()
    uid = next(iter(before["users"]))
    sandbox_http.delete(f"users/{uid}")
    assert uid not in sandbox.state()["users"]
    sandbox.reset()
    after = sandbox.state()
    assert after == before
    assert sandbox.counters()["requests"] == 0


def test_seed_is_deterministic_and_served_as_seeded(sandbox_factory):
    first = sandbox_factory(seed=5, users=40).state()
    second = sandbox_factory(seed=5, users=40).state()
    other = sandbox_factory(seed=6, users=40).state()
    assert first == second
    assert first["users"] != other["users"]
    assert json.loads(json.dumps(seed_district(5, 40).to_dict())) == first


def test_key_and_secret_random_per_start_unless_given(sandbox_factory):
    a, b = sandbox_factory(), sandbox_factory()
    assert a.key != b.key and a.secret != b.secret
    fixed = sandbox_factory(key="my-key", secret="my-secret")
    assert (fixed.key, fixed.secret) == ("my-key", "my-secret")
    assert "my-secret" not in repr(fixed) and "my-secret" not in repr(fixed.config)


def test_health_and_base_url(sandbox):
    assert sandbox.base_url.startswith("http://127.0.0.1:") and sandbox.base_url.endswith("/v1")
    assert requests.get(sandbox.health_url, timeout=10).json()["status"] == "ok"


def test_async_start_and_stop():
    async def main():
        server = SandboxServer(SandboxConfig(users=10))
        await server.astart()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, lambda: SignedRequests(server).get("roles").status_code)
        finally:
            await server.astop()

    assert asyncio.run(main()) == 200


def test_stop_frees_the_port(sandbox_factory):
    server = SandboxServer(SandboxConfig(users=10)).start()
    port = server.port
    server.stop()
    again = sandbox_factory(port=port)
    assert again.port == port


def test_concurrent_requests_share_one_rate_window(sandbox_factory):
    server = sandbox_factory(rate_limit=20, rate_window=60.0)
    http = SignedRequests(server)

    async def burst():
        async with aiohttp.ClientSession() as session:

            async def one():
                url, headers = http.sign("GET", "roles")
                async with session.get(url, headers=headers) as response:
                    return response.status

            return await asyncio.gather(*(one() for _ in range(30)))

    codes = asyncio.run(burst())
    assert sorted(codes) == [200] * 20 + [429] * 10
    assert server.counters()["throttled"] == 10


def test_a_busy_port_is_a_clear_configuration_error(sandbox):
    with pytest.raises(ConfigurationError, match=f"127.0.0.1:{sandbox.port}"):
        SandboxServer(SandboxConfig(port=sandbox.port, users=5)).start()
