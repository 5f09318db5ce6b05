"""Shared pytest set-up: each fixture family lives in its own module under tests/fixtures,
registered here as a plugin; one hypothesis profile for every property test."""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.sandbox",
    "tests.fixtures.sshd",
    "tests.fixtures.jobs",
    "tests.fixtures.runner_jobs",
    "tests.fixtures.runner_plans",
    "tests.fixtures.notify_servers",
    "tests.fixtures.dashboard",
]

# No per-example deadline and no too-slow health check: on a shared 2-core machine an example's time says
# nothing about the code. A test sets only what is its own (max_examples, a health check it means to skip).
settings.register_profile("toolbelt", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI=1 (or HYPOTHESIS_PROFILE=ci) runs the same examples on every run, so a red build replays as it failed.
settings.register_profile("ci", parent=settings.get_profile("toolbelt"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "toolbelt"))
