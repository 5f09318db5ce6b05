"""Shared pytest set-up: each fixture family lives in its own module under tests/fixtures."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.sandbox",
    "tests.fixtures.sshd",
    "tests.fixtures.jobs",
]
