"""A client profile carries its key's rate budget: CLI, store, environment, and the clients it builds."""

from __future__ import annotations

import json
import secrets as pysecrets
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.profile_store import get_profile, list_profiles
from schoology_etl.errors import ConfigurationError
from schoology_etl.profiles import Profile, connect, resolve_profile
from schoology_etl.provisioning.families.parent_buildings import parent_building_updates, read_families
from schoology_etl.ratelimit import DEFAULT_RATE, DEFAULT_WINDOW


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.delenv("TOOLBELT_SECRET_KEY", raising=False)
    return tmp_path


def run(*args: str, input: str | None = None):  # noqa: A002
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_add_with_a_budget_then_edit_it_and_clients_use_it(home: Path) -> None:
    added = run("clients", "add", "district", "--base-url", "http://127.0.0.1:9/v1", "--key", "budget-key-1",
                "--rate-limit", "50", "--rate-window", "5", input=pysecrets.token_hex(8) + "\n")
    assert added.exit_code == 0, added.output
    assert "budget 50 requests per 5 s" in added.output
    profile = get_profile("district")
    assert (profile.rate_limit, profile.rate_window) == (50, 5.0)
    edited = run("clients", "edit", "district", "--rate-limit", "25")
    assert edited.exit_code == 0 and "25 requests per 5 s" in edited.output
    assert "25 requests per 5 s" in run("clients", "list").output
    assert json.loads(run("clients", "list", "--json").output)[0]["rate_limit"] == 25
    with connect(get_profile("district")) as client:
        assert (client.limiter.rate, client.limiter.window) == (25, 5.0)


def test_default_budget_is_the_library_default(home: Path) -> None:
    run("clients", "add", "plain", "--base-url", "http://127.0.0.1:9/v1", "--key", "k", input="s3cret-s3cret\n")
    info = list_profiles()[0]
    assert (info.rate_limit, info.rate_window) == (DEFAULT_RATE, DEFAULT_WINDOW)


def test_bad_budget_is_refused_by_name(home: Path) -> None:
    bad = run("clients", "add", "x", "--base-url", "http://127.0.0.1:9/v1", "--key", "k", "--rate-limit", "0",
              input="s3cret-s3cret\n")
    assert bad.exit_code == 2 and "--rate-limit" in bad.output
    nothing = run("clients", "edit", "x")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    with pytest.raises(ConfigurationError, match="client 'p': rate_window must be a positive number"):
        Profile(name="p", key="k", secret="s", rate_window=0)


def test_environment_profile_carries_its_budget(home: Path) -> None:
    env = {"TOOLBELT_CLIENT_ENVD_KEY": "k", "TOOLBELT_CLIENT_ENVD_SECRET": "s",
           "TOOLBELT_CLIENT_ENVD_RATE_LIMIT": "12", "TOOLBELT_CLIENT_ENVD_RATE_WINDOW": "2.5"}
    profile = resolve_profile("envd", environ=env)
    assert (profile.rate_limit, profile.rate_window) == (12, 2.5)
    with pytest.raises(ConfigurationError, match="rate_limit must be a whole number"):
        resolve_profile("envd", environ={**env, "TOOLBELT_CLIENT_ENVD_RATE_LIMIT": "lots"})


def _district(n: int):
    for i in range(n):  # a student and a parent linked to it, alternating, records as the API sends them
        student = {"id": 2 * i, "uid": 2 * i, "school_uid": f"S{i:07d}", "building_id": 100 + i % 7,
                   "additional_buildings": "", "parent_uids": str(2 * i + 1), "name_first": "A" * 12,
                   "name_last": "B" * 14, "primary_email": f"student{i}@students.example.org", "tz_name": "America/X"}
        yield student
        yield {**student, "id": 2 * i + 1, "uid": 2 * i + 1, "school_uid": f"P{i:07d}", "building_id": 200,
               "parent_uids": "", "primary_email": f"parent{i}@example.org"}


def _peak(n: int) -> int:
    tracemalloc.start()
    try:
        updates = parent_building_updates(read_families(_district(n)))
        assert len(updates) == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_parent_buildings_keep_a_small_fraction_of_each_user() -> None:
    small, large = _peak(2_000), _peak(10_000)
    per_user = (large - small) / 16_000
    assert per_user < 600, f"{per_user:.0f} bytes per user"  # a whole record as a dict is well over 1.5 kB


def test_streamed_parent_changes_equal_the_listed_ones() -> None:
    from schoology_etl.provisioning.families.parent_buildings import parent_building_changes
    from schoology_etl.provisioning.users.user_changes import update_changes

    users = list(_district(300))
    for n, u in enumerate(users):
        if n % 5 == 0:
            u["additional_buildings"] = "200"  # some parents need nothing, some students have two buildings
    for behavior in ("add", "replace"):
        listed = update_changes(parent_building_updates(users, behavior=behavior), users,
                                fields=["building_id", "additional_buildings"], shown=["building_id"])
        streamed = list(parent_building_changes(read_families(iter(users)), behavior=behavior))
        assert streamed  # ids and buildings are kept as text: the API reads "12" as 12
        assert [(c.seq, c.key, c.id, c.before, c.after) for c in streamed] == \
               [(c.seq, c.key, str(c.id), {k: str(v) for k, v in c.before.items()}, c.after) for c in listed]
