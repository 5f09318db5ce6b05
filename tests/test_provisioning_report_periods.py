"""The days a usage report covers, from its days / weeks and as_of parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.analytics.report_periods import as_of_date, day_window, week_starts, week_window


def test_as_of_is_a_date_a_string_or_today() -> None:
    assert as_of_date("2026-03-12") == dt.date(2026, 3, 12)
    assert as_of_date(dt.datetime(2026, 3, 12, 8, 30)) == dt.date(2026, 3, 12)
    assert as_of_date(None) == as_of_date("") == dt.date.today()
    with pytest.raises(ConfigurationError, match=r"as_of: '12/03/2026' is not a date \(YYYY-MM-DD\)"):
        as_of_date("12/03/2026")


def test_a_day_window_counts_both_ends() -> None:
    assert day_window(1, "2026-03-12") == (dt.date(2026, 3, 12), dt.date(2026, 3, 12))
    assert day_window(30, dt.date(2026, 3, 12)) == (dt.date(2026, 2, 11), dt.date(2026, 3, 12))
    assert day_window(7)[1] == dt.date.today()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: day_window(0), "days must be at least 1, got 0"),
    (lambda: day_window(-3), "days must be at least 1, got -3"),
    (lambda: day_window("7"), "days must be a whole number, got '7'"),
    (lambda: week_window(0), "weeks must be at least 1, got 0"),
    (lambda: week_window(True), "weeks must be a whole number, got True"),
])
def test_a_bad_count_is_refused_naming_the_parameter(call, message) -> None:
    with pytest.raises(ConfigurationError) as err:
        call()
    assert str(err.value) == message


def test_a_week_window_starts_on_a_monday() -> None:
    sunday = dt.date(2026, 3, 15)
    assert week_window(1, sunday) == (dt.date(2026, 3, 9), sunday)
    assert week_window(3, "2026-03-09") == (dt.date(2026, 2, 23), dt.date(2026, 3, 9))
    assert week_starts(dt.date(2026, 2, 23), 3) == [dt.date(2026, 2, 23), dt.date(2026, 3, 2), dt.date(2026, 3, 9)]
