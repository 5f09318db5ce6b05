"""The test suite's own conventions: one hypothesis profile, fixtures as plugins, one free-port helper."""

from __future__ import annotations

import ast
import re
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.fixtures.ports import free_port, refused_port

REPO = Path(__file__).resolve().parents[1]
TEST_SOURCES = sorted([*REPO.glob("tests/**/*.py"), *REPO.glob("bench/*.py")])


def _offenders(pattern: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in TEST_SOURCES:
        name = str(path.relative_to(REPO))
        if name in allowed or path == Path(__file__).resolve():
            continue
        found += [f"{name}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line)]
    return found


def test_the_shared_hypothesis_profile_is_loaded() -> None:
    assert settings.get_current_profile_name() in ("toolbelt", "ci")
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


def test_no_test_sets_its_own_deadline_or_too_slow_check() -> None:
    assert _offenders(r"deadline\s*=\s*None|HealthCheck\.too_slow", allowed=("tests/conftest.py",)) == []


def test_a_refused_port_refuses_and_stays_taken_for_the_block() -> None:
    with refused_port() as port:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))


def test_a_free_port_can_be_bound_and_served() -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)) as server:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        assert server.getsockname()[1] == port


def test_ports_come_from_the_one_helper() -> None:
    assert _offenders(r"\.bind\(\(", allowed=("tests/fixtures/ports.py",)) == []


def _is_fixture(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef) and any(
        "fixture" in ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list)


def test_fixtures_come_from_plugins_not_imports() -> None:
    # a fixture imported by name needs a noqa for F401 and is shadowed by the test's argument (F811):
    # the fixture modules are registered as plugins in tests/conftest.py instead
    trees = {path: ast.parse(path.read_text()) for path in TEST_SOURCES}
    fixtures = {node.name for tree in trees.values() for node in ast.walk(tree) if _is_fixture(node)}
    imported = [
        f"{path.relative_to(REPO)}:{node.lineno} {alias.name}"
        for path, tree in trees.items() for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.")
        for alias in node.names if alias.name in fixtures
    ]
    assert fixtures and imported == []
