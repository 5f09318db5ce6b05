"""The charts of the usage jobs, each a matplotlib ``Figure`` drawn from a report's rows.

Jobs ``usage_summary``, ``login_activity_report`` and ``license_adoption_report``. Each
function takes the rows the job writes (a list of dicts or the ``pandas.DataFrame``) and
returns a new figure, laid out tight; the job saves it (``fig.savefig``) and shows it.
matplotlib and pandas are imported on first use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from schoology_etl.provisioning.analytics.report_periods import week_starts

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _frame(rows: Any, columns: list[str]) -> Any:
    import pandas as pd

    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    return frame.reindex(columns=columns)


def users_and_section_sizes(by_role: Iterable[Mapping[str, Any]] | Any,
                            sizes: Iterable[Mapping[str, Any]] | Any) -> Figure:
    """Left: users per building, stacked by role; right: how many current sections have each number of students.

    ``by_role``: ``usage_reports.users_by_role_and_building`` rows; ``sizes``: ``usage_reports.section_sizes`` rows.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    users = _frame(by_role, ["building", "role", "users"])
    if len(users):
        users.pivot_table(index="building", columns="role", values="users", aggfunc="sum", fill_value=0).plot.barh(
            stacked=True, ax=left, title="Users by role and building")
    else:
        left.set_title("Users by role and building")
    students = [int(n) for n in _frame(sizes, ["students"])["students"]]
    pd.Series(students, dtype="int64").plot.hist(bins=range(0, max(students, default=0) + 2), ax=right,
                                                 title="Students per current section")
    right.set_xlabel("students")
    fig.tight_layout()
    return fig


def logins_per_week(activity: Iterable[Mapping[str, Any]] | Any, *, start: dt.date, end: dt.date,
                    weeks: int) -> Figure:
    """One line per building: its logins in each of the ``weeks`` weeks from ``start`` (a Monday) to ``end``.

    ``activity``: ``usage_reports.login_activity_rows`` (``building``, ``week``, ``logins``);
    a week without logins is drawn at zero.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    title = f"Logins per week, {start} to {end}"
    rows = _frame(activity, ["week", "building", "logins"])
    if len(rows):
        chart = rows.pivot_table(index="week", columns="building", values="logins", aggfunc="sum", fill_value=0)
        chart.reindex(week_starts(start, weeks), fill_value=0).plot(ax=ax, marker="o", title=title)
    else:
        ax.set_title(title)
    ax.set_xlabel("week starting (Monday)")
    ax.set_ylabel("logins")
    fig.tight_layout()
    return fig


def seats_and_sign_ins(by_role: Iterable[Mapping[str, Any]] | Any, *, since: dt.date, as_of: dt.date) -> Figure:
    """Per role: licensed seats, active accounts and accounts that signed in from ``since`` to ``as_of``.

    ``by_role``: ``license_adoption.adoption_by_role`` rows; a role without a licence has no seats bar.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    bars = _frame(by_role, ["role", "licensed", "accounts", "signed_in"]).set_index("role").astype("float")
    if len(bars):
        bars.plot.barh(ax=ax, title=f"Seats, accounts and sign-ins, {since} to {as_of}")
    else:
        ax.set_title(f"Seats, accounts and sign-ins, {since} to {as_of}")
    ax.set_xlabel("people")
    fig.tight_layout()
    return fig
