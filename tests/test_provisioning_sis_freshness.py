"""File age of an SIS export: stale files are refused by name, age and limit."""

from __future__ import annotations

import datetime as dt

import pytest

from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.sis.sis_freshness import require_fresh

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _entry(name, hours):
    return {"name": name, "where": f"sftp://d@h:22/outgoing/{name}", "mtime": int(NOW.timestamp() - hours * 3600)}


def test_fresh_files_pass_with_their_ages():
    ages = require_fresh([_entry("users.csv", 2), _entry("enrollments.csv", 30)], now=NOW, max_age_hours=36)
    assert [(a["file"], a["modified"], a["age_hours"]) for a in ages] == [
        ("users.csv", "2026-12-01T10:00:00+00:00", 2.0), ("enrollments.csv", "2026-11-30T06:00:00+00:00", 30.0)]


def test_a_stale_export_is_refused_naming_files_ages_and_limit():
    with pytest.raises(SourceFormatError) as err:
        listed = [_entry("users.csv", 2), _entry("parents.csv", 50), _entry("enrollments.csv", 80)]
        require_fresh(listed, now=NOW, max_age_hours=36)
    message = str(err.value)
    assert message.startswith("sftp://d@h:22/outgoing/enrollments.csv: the SIS export looks stale")
    assert "enrollments.csv last changed 2026-11-28 04:00:00 UTC, 80 hours ago; parents.csv last changed" in message
    assert "older than 36 hours (max_age_hours) are refused" in message and "users.csv" not in message


def test_no_modification_time_is_refused_and_zero_turns_the_check_off():
    unknown = {"name": "users.csv", "mtime": None}
    with pytest.raises(SourceFormatError, match="users.csv: the server gives no modification time"):
        require_fresh([unknown], now=NOW, max_age_hours=1)
    assert require_fresh([unknown, _entry("old.csv", 5000)], now=NOW, max_age_hours=0)[1]["age_hours"] == 5000.0
    with pytest.raises(ConfigurationError, match="max_age_hours: must be 0"):
        require_fresh([], now=NOW, max_age_hours=-1)


def test_an_sftp_listing_is_checked_as_listed_against_the_current_time():
    import time

    from schoology_etl.io.sftp_connection import RemoteEntry
    from schoology_etl.provisioning.sis.sis_freshness import require_fresh_listing

    now = int(time.time())
    listing = [RemoteEntry("users.csv", "outgoing/users.csv", 10, now - 60, 0o100644),
               RemoteEntry("parents.csv", "outgoing/parents.csv", 10, now - 40 * 3600, 0o100644)]
    where = "sftp://district@127.0.0.1:2222/{}".format
    assert [a["file"] for a in require_fresh_listing(listing[:1], where=where, max_age_hours=36)] == ["users.csv"]
    with pytest.raises(SourceFormatError) as err:
        require_fresh_listing(listing, where=where, max_age_hours=36)
    assert str(err.value).startswith("sftp://district@127.0.0.1:2222/outgoing/parents.csv: the SIS export looks stale")
    assert "40 hours ago" in str(err.value) and "users.csv" not in str(err.value)
