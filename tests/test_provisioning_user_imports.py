"""user_imports: an SIS users file read, checked and planned against the sandbox over real HTTP."""

from __future__ import annotations

import csv

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.lookups import ClientLookups
from schoology_etl.provisioning.users.user_imports import plan_user_import, read_user_rows, require_valid_user_rows

HEADER = ["school_uid", "name_first", "name_last", "role", "building_code", "primary_email"]


def _client(srv):
    return SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=1000)


def _write(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _people(state):
    """Active users by school_uid, and a function giving a user's row (with a changed last name or email)."""
    roles = {str(k): r["title"] for k, r in state["roles"].items()}
    codes = {str(k): b["building_code"] for k, b in state["buildings"].items()}

    def row(user, *, last=None):
        return [user["school_uid"], user["name_first"], last or user["name_last"], roles[str(user["role_id"])],
                codes[str(user["building_id"])], user["primary_email"]]

    return sorted(state["users"].values(), key=lambda u: u["school_uid"]), row


def test_creates_updates_reactivations_and_clashes(sandbox, tmp_path):
    state = sandbox.state()
    users, row = _people(state)
    kept, renamed, holder = users[0], users[1], users[2]
    gone = next(iter(state["inactive_users"].values()))
    new = ["NEW-1", "Nia", "Park", *row(kept)[3:5], holder["primary_email"].upper()]
    path = _write(tmp_path / "users.csv", [row(kept), row(renamed, last="Renamed"), new, row(gone)])
    with _client(sandbox) as api:
        look = ClientLookups(api)
        rows = read_user_rows(path, roles=look.role_titles, buildings=look.building_codes)
        require_valid_user_rows(rows, path=path, roles=look.role_titles, buildings=look.building_codes)
        found = plan_user_import(api, rows, path=path, roles=look.role_titles, buildings=look.building_codes,
                                 email_conflicts="ignore_conflicts")
    assert len(found.users) == len(state["users"]) and all("birthday_date" in u for u in found.users)
    ops = {(c.op, c.key["school_uid"]) for c in found.changes}
    assert ops == {("update", renamed["school_uid"]), ("create", "NEW-1"), ("reactivate", gone["school_uid"])}
    update = next(c for c in found.changes if c.op == "update")
    assert update.after == {"name_last": "Renamed"}
    create = next(c for c in found.changes if c.op == "create")
    assert create.after["_query"] == {"ignore_email_conflicts": 1}
    assert found.clashes == [{"school_uid": "NEW-1", "primary_email": holder["primary_email"].upper(),
                              "held_by": holder["school_uid"]}]


def test_bad_files_and_rows_are_named(sandbox, tmp_path):
    state = sandbox.state()
    users, row = _people(state)
    with _client(sandbox) as api:
        look = ClientLookups(api)
        lookups = {"roles": look.role_titles, "buildings": look.building_codes}
        with pytest.raises(SourceFormatError, match=r"empty.csv, line 2: the file has no data rows"):
            read_user_rows(_write(tmp_path / "empty.csv", []), **lookups)
        bad = [row(users[0]), [*row(users[1])[:3], "Studnet", *row(users[1])[4:]]]
        path = _write(tmp_path / "bad.csv", bad)
        rows = read_user_rows(path, **lookups)
        shown = []
        with pytest.raises(SourceFormatError, match=r"bad.csv, line 3: column 'role', value 'Studnet'"):
            require_valid_user_rows(rows, path=path, show=shown.append, **lookups)
        assert len(shown) == 1 and shown[0][0]["line"] == 3
        with pytest.raises(SourceFormatError, match=r"bad.csv, line 3: .*Studnet"):
            plan_user_import(api, rows, path=path, **lookups)
        good = read_user_rows(_write(tmp_path / "good.csv", [row(users[0])]), **lookups)
        with pytest.raises(ConfigurationError, match="email_conflicts must be one of"):
            plan_user_import(api, good, path=path, email_conflicts="sometimes", **lookups)
