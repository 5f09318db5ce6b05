"""Provisioning logic on records read over real HTTP from the sandbox, and the writes it plans.

The demo SIS files are derived from the same seeded district the sandbox serves; the
reconcile, lookups and family logic must see the API's own record shapes (``uid`` as a
string, ids as ints, ``parent_uids`` / ``child_uids`` strings) the way the manifest says.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.provisioning.families.parent_buildings import parent_building_updates
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup, role_lookup
from schoology_etl.provisioning.sis.reconcile import diff_records
from schoology_etl.provisioning.sis.sis_specs import USERS
from schoology_etl.provisioning.sis.sis_validation import validate_sis_file
from schoology_etl.provisioning.users.birthdays import with_birthdays
from schoology_etl.provisioning.users.user_mapping import SIS_USER_FIELDS, email_conflict_params, user_payloads
from schoology_sandbox.seed import seed_district
from schoology_sandbox.sis_files import write_demo_sis_files

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def api(sandbox_factory: Callable[..., object]):
    server = sandbox_factory(seed=1, users=60, today=TODAY)
    client = SchoologyClient(Credentials(base_url=server.base_url, key=server.key, secret=server.secret))
    yield client
    client.close()


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_import_users_from_the_demo_file_over_http(api: SchoologyClient, tmp_path: Path) -> None:
    manifest = write_demo_sis_files(tmp_path, seed=1, users=60, today=TODAY)
    listed = manifest["files"]["users.csv"]
    school_id = api.get("schools")["school"][0]["id"]
    roles = role_lookup(api.iter_records("roles"))
    buildings = building_lookup(api.iter_records(f"schools/{school_id}/buildings"))
    periods = grading_period_lookup(api.iter_records("gradingperiods"))
    assert validate_sis_file(tmp_path / "users.csv", USERS, roles=roles, buildings=buildings, grading_periods=periods) == []

    desired = user_payloads(read(tmp_path / "users.csv"), roles=roles, buildings=buildings)
    current = list(with_birthdays(api.iter_records("users"), api))  # the listing has no birthday_date
    diff = diff_records(desired, current, key="school_uid", fields=SIS_USER_FIELDS)
    assert {c["key"] for c in diff if c["op"] == "update"} == set(listed["updates"])
    assert [c["key"] for c in diff if c["op"] == "add"] == listed["new_users"]
    assert sorted(c["key"] for c in diff if c["op"] == "remove") == listed["missing_users"]

    items = [c["after"] for c in diff if c["op"] == "add"] + [
        {"school_uid": c["key"], **{f: ch["after"] for f, ch in c["changes"].items()}} for c in diff if c["op"] == "update"
    ]
    results = api.create("users", items, update_existing=1, **email_conflict_params("ignore"))
    assert [r.ok for r in results] == [True] * len(items), [r.message for r in results if not r.ok]

    after = diff_records(desired, list(with_birthdays(api.iter_records("users"), api)), key="school_uid",
                         fields=SIS_USER_FIELDS)
    assert sorted(c["key"] for c in after if c["op"] == "remove") == listed["missing_users"]
    # the one user whose email belongs to another school was created without it
    assert [(c["key"], list(c["changes"])) for c in after if c["op"] == "update"] == [
        (listed["email_conflicts"][0], ["primary_email"])
    ]
    assert not [c for c in after if c["op"] == "add"]


def test_parent_buildings_from_api_records_match_the_seeded_state(api: SchoologyClient) -> None:
    state = seed_district(1, 60, today=TODAY)
    seeded = [dict(u, parent_uids=",".join(map(str, state.parents_of(u["uid"])))) for u in state.users.values()]
    from_api = parent_building_updates(api.iter_records("users"), behavior="replace")
    assert from_api and from_api == parent_building_updates(seeded, behavior="replace")
