"""The test suite's own conventions: one hypothesis profile, fixtures as plugins, one free-port helper."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, settings

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
