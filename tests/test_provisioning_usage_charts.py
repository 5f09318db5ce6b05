"""The usage jobs' charts: a matplotlib Figure drawn from a report's rows."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from schoology_etl.provisioning.analytics import usage_charts  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bar_widths(ax) -> list[float]:
    return sorted(round(float(p.get_width()), 3) for p in ax.patches)


def test_users_and_section_sizes_stacks_users_and_bins_students() -> None:
    by_role = [{"building": "Lakeside", "role": "Student", "users": 3},
               {"building": "Lakeside", "role": "Teacher", "users": 1},
               {"building": "Cedar", "role": "Student", "users": 2}]
    sizes = [{"students": 2, "teachers": 1}, {"students": 2, "teachers": 0}, {"students": 4, "teachers": 1}]
    fig = usage_charts.users_and_section_sizes(by_role, sizes)
    left, right = fig.axes[:2]
    assert left.get_title() == "Users by role and building"
    assert [t.get_text() for t in left.get_yticklabels()] == ["Cedar", "Lakeside"]
    assert sorted(t.get_text() for t in left.get_legend().get_texts()) == ["Student", "Teacher"]
    assert right.get_title() == "Students per current section" and right.get_xlabel() == "students"
    heights = [p.get_height() for p in right.patches]
    assert heights == [0, 0, 2, 0, 1]  # bins 0..5: two sections of 2 students, one of 4
    empty = usage_charts.users_and_section_sizes([], [])
    assert empty.axes[0].get_title() == "Users by role and building" and not empty.axes[1].patches[0].get_height()


def test_logins_per_week_draws_every_week_of_the_window_with_zeros() -> None:
    start = dt.date(2026, 3, 2)
    activity = [{"building": "Lakeside", "week": start, "logins": 4},
                {"building": "Cedar", "week": dt.date(2026, 3, 16), "logins": 1}]
    fig = usage_charts.logins_per_week(activity, start=start, end=dt.date(2026, 3, 18), weeks=3)
    (ax,) = fig.axes
    assert ax.get_title() == "Logins per week, 2026-03-02 to 2026-03-18"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("week starting (Monday)", "logins")
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines == {"Cedar": [0, 0, 1], "Lakeside": [4, 0, 0]}
    empty = usage_charts.logins_per_week([], start=start, end=dt.date(2026, 3, 18), weeks=3)
    assert not empty.axes[0].get_lines()


def test_seats_and_sign_ins_draw_no_seats_for_an_unlicensed_role() -> None:
    by_role = [{"role": "Student", "licensed": 50, "accounts": 60, "signed_in": 30, "adoption": 0.5},
               {"role": "Parent", "licensed": None, "accounts": 10, "signed_in": 2, "adoption": 0.2}]
    fig = usage_charts.seats_and_sign_ins(by_role, since=dt.date(2026, 3, 1), as_of=dt.date(2026, 3, 7))
    (ax,) = fig.axes
    assert ax.get_title() == "Seats, accounts and sign-ins, 2026-03-01 to 2026-03-07" and ax.get_xlabel() == "people"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["licensed", "accounts", "signed_in"]
    assert _bar_widths(ax) == [0.0, 2.0, 10.0, 30.0, 50.0, 60.0]  # Parent's seats: an empty bar
