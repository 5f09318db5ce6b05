"""Grading period audit rows (job ``grading_period_audit``): overlaps, gaps between terms, sections off-period.

Overlaps and gaps are looked for inside each building's calendar
(:mod:`.period_calendars`), not across the district. A *gap* is a stretch of days inside
a containing period (a full year holding its terms) that none of the periods it contains
cover; the break between two school years is not a gap. Overlaps are partial overlaps
(:func:`.grading_periods.period_overlaps`; a term inside its year is normal). Nothing
here talks to the network or mutates its input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.grading_periods import (
    _span,
    invalid_periods,
    period_overlaps,
    sections_without_current_period,
)
from schoology_etl.provisioning.rows import split_ids, text

AUDIT_COLUMNS = ["kind", "periods", "buildings", "start", "end", "days", "section_school_code", "detail"]
_DAY = dt.timedelta(days=1)


def _contains(outer: tuple[dt.date, dt.date], inner: tuple[dt.date, dt.date]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1] and outer != inner


def term_gaps(periods: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Days of each containing period that none of the periods inside it cover.

    Returns rows ``kind="gap", start, end, days, within, after, before`` (titles), by start.
    """
    valid = [(_span(p), text(p.get("title"))) for p in periods if _span(p)[0] <= _span(p)[1]]
    gaps = []
    for outer, within in valid:
        inner = sorted((span, title) for span, title in valid if _contains(outer, span))
        if not inner:
            continue
        covered_to, last = outer[0] - _DAY, ""
        for (start, end), title in [*inner, ((outer[1] + _DAY, outer[1] + _DAY), "")]:
            if start > covered_to + _DAY:
                first, final = covered_to + _DAY, start - _DAY
                gaps.append({"kind": "gap", "start": first.isoformat(), "end": final.isoformat(),
                             "days": (final - first).days + 1, "within": within, "after": last, "before": title})
            if end > covered_to:
                covered_to, last = end, title
    return sorted(gaps, key=lambda g: (g["start"], g["within"]))


def audit_rows(
    periods: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]] = (),
    *,
    today: dt.date,
    calendars: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Every finding as one row of :data:`AUDIT_COLUMNS`: invalid, overlap, gap, section_no_current_period.

    Args:
        periods: every ``/gradingperiods`` record.
        sections: the active sections, checked for a current period.
        today: the day that decides which periods are current.
        calendars: calendar name -> its periods (:func:`.period_calendars.building_calendars`);
            overlaps and gaps are looked for inside each calendar only, so one building's
            semesters never "overlap" another's trimesters. ``None``: one calendar of every period.
            A finding shared by several calendars is one row naming them all in ``buildings``.
    """
    periods = list(periods)
    titles = {text(p.get("id")): text(p.get("title")) for p in periods}
    rows = []
    for f in invalid_periods(periods):
        rows.append({"kind": "invalid", "periods": "; ".join(f["titles"]), "buildings": "",
                     "start": f["start"], "end": f["end"],
                     "days": None, "section_school_code": None, "detail": "ends before it starts"})
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for name, own in (calendars.items() if calendars is not None else [("", periods)]):
        for row in _calendar_rows([dict(p) for p in own]):
            key = (row["kind"], row["periods"], row["start"], row["end"])
            found.setdefault(key, {**row, "buildings": []})["buildings"].append(name)
    for key in sorted(found, key=lambda k: (k[0] != "overlap", k[2], k[3], k[1])):
        rows.append({**found[key], "buildings": "; ".join(n for n in found[key]["buildings"] if n)})
    for s in sections_without_current_period(sections, periods, today):
        on = [titles.get(i, i) for i in split_ids(s.get("grading_periods"))]
        rows.append({"kind": "section_no_current_period", "periods": "; ".join(on), "buildings": "",
                     "start": None, "end": None,
                     "days": None, "section_school_code": s.get("section_school_code"),
                     "detail": f"active section on no period current on {today.isoformat()}"})
    return rows


def _calendar_rows(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlap and gap rows of one calendar."""
    rows = []
    for f in period_overlaps(periods):
        days = (dt.date.fromisoformat(f["end"]) - dt.date.fromisoformat(f["start"])).days + 1
        rows.append({"kind": "overlap", "periods": "; ".join(f["titles"]), "start": f["start"], "end": f["end"],
                     "days": days, "section_school_code": None, "detail": f"{days} day(s) in both"})
    for g in term_gaps(periods):
        rows.append({"kind": "gap", "periods": f"{g['after'] or g['within']}; {g['before'] or g['within']}",
                     "start": g["start"], "end": g["end"], "days": g["days"], "section_school_code": None,
                     "detail": f"{g['days']} day(s) of {g['within']} in no period"})
    return rows
