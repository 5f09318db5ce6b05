"""Grading period audit rows (job ``grading_period_audit``): overlaps, gaps between terms, sections off-period.

Overlaps and gaps are looked for inside each building's calendar
(:mod:`.period_calendars`), not across the district. A *gap* is a stretch of days inside
a containing period (a full year holding its terms) that none of the periods it contains
cover; the break between two school years is not a gap. A calendar with no containing
period of its own (full-year courses on all three trimesters) is framed by the
district's: days between two of its periods inside one district year are a gap, the days
before its first and after its last are not. Overlaps are partial overlaps
(:func:`.grading_periods.period_overlaps`; a term inside its year is normal). Nothing
here talks to the network or mutates its input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.courses.grading_periods import (
    _span,
    invalid_periods,
    period_overlaps,
    sections_without_current_period,
)
from schoology_etl.provisioning.courses.period_calendars import NO_SECTIONS
from schoology_etl.provisioning.rows import split_ids, text

AUDIT_COLUMNS = ["kind", "periods", "buildings", "start", "end", "days", "section_school_code", "detail"]
_DAY = dt.timedelta(days=1)


def _contains(outer: tuple[dt.date, dt.date], inner: tuple[dt.date, dt.date]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1] and outer != inner


def _valid(periods: Iterable[Mapping[str, Any]]) -> list[tuple[tuple[dt.date, dt.date], str]]:
    return [(_span(p), text(p.get("title"))) for p in periods if _span(p)[0] <= _span(p)[1]]


def _gap(first: dt.date, final: dt.date, within: str, after: str, before: str) -> dict[str, Any]:
    return {"kind": "gap", "start": first.isoformat(), "end": final.isoformat(), "days": (final - first).days + 1,
            "within": within, "after": after, "before": before}


def term_gaps(
    periods: Iterable[Mapping[str, Any]], *, frames: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Days of each containing period that none of the periods inside it cover.

    Args:
        periods: one calendar's periods.
        frames: periods outside the calendar (the district's years). Two or more of the
            calendar's periods inside one frame, and inside none of the calendar's own
            containing periods, leave a gap where none of them runs between the first
            one's start and the last one's end (a frame's own first and last days are not
            the calendar's: not a gap). Each such gap is reported once, whatever the frames.

    Returns rows ``kind="gap", start, end, days, within, after, before`` (titles), by start;
    a gap found through a frame also has ``framed=True`` (``within`` is the frame's title).
    """
    valid = _valid(periods)
    gaps = [*_own_gaps(valid), *_framed_gaps(valid, _valid(frames))]
    return sorted(gaps, key=lambda g: (g["start"], g["within"]))


def _own_gaps(valid: list[tuple[tuple[dt.date, dt.date], str]]) -> list[dict[str, Any]]:
    gaps = []
    for outer, within in valid:
        inner = sorted((span, title) for span, title in valid if _contains(outer, span))
        if not inner:
            continue
        covered_to, last = outer[0] - _DAY, ""
        for (start, end), title in [*inner, ((outer[1] + _DAY, outer[1] + _DAY), "")]:
            if start > covered_to + _DAY:
                gaps.append(_gap(covered_to + _DAY, start - _DAY, within, last, title))
            if end > covered_to:
                covered_to, last = end, title
    return gaps


def _framed_gaps(
    valid: list[tuple[tuple[dt.date, dt.date], str]], frames: list[tuple[tuple[dt.date, dt.date], str]]
) -> list[dict[str, Any]]:
    """Gaps between a calendar's periods inside a district period the calendar does not use."""
    free = [(span, title) for span, title in valid if not any(_contains(outer, span) for outer, _ in valid)]
    seen: dict[tuple[dt.date, dt.date], dict[str, Any]] = {}
    for frame, within in sorted(frames, key=lambda f: (f[0][0], -f[0][1].toordinal(), f[1])):
        inner = sorted((span, title) for span, title in free if _contains(frame, span))
        if len(inner) < 2:
            continue
        covered_to, last = inner[0][0][1], inner[0][1]
        for (start, end), title in inner[1:]:
            if start > covered_to + _DAY:
                found = _gap(covered_to + _DAY, start - _DAY, within, last, title)
                seen.setdefault((covered_to + _DAY, start - _DAY), {**found, "framed": True})
            if end > covered_to:
                covered_to, last = end, title
    return list(seen.values())


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
            The other periods frame a building calendar (:func:`term_gaps`), never
            :data:`~.period_calendars.NO_SECTIONS`.
    """
    periods = list(periods)
    titles = {text(p.get("id")): text(p.get("title")) for p in periods}
    rows = []
    for f in invalid_periods(periods):
        rows.append({"kind": "invalid", "periods": "; ".join(f["titles"]), "buildings": "", "start": f["start"],
                     "end": f["end"], "days": None, "section_school_code": None, "detail": "ends before it starts"})
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for name, own in (calendars.items() if calendars is not None else [("", periods)]):
        members = [dict(p) for p in own]
        ids = {text(p.get("id")) for p in members}
        # unused periods are no building's calendar: the district's years frame only real ones
        frames = [dict(p) for p in periods if text(p.get("id")) not in ids] if name != NO_SECTIONS else []
        for row in _calendar_rows(members, frames):
            key = (row["kind"], row["periods"], row["start"], row["end"])
            found.setdefault(key, {**row, "buildings": []})["buildings"].append(name)
    for key in sorted(found, key=lambda k: (k[0] != "overlap", k[2], k[3], k[1])):
        rows.append({**found[key], "buildings": "; ".join(n for n in found[key]["buildings"] if n)})
    for s in sections_without_current_period(sections, periods, today):
        on = [titles.get(i, i) for i in split_ids(s.get("grading_periods"))]
        rows.append({"kind": "section_no_current_period", "periods": "; ".join(on), "buildings": "", "start": None,
                     "end": None, "days": None, "section_school_code": s.get("section_school_code"),
                     "detail": f"active section on no period current on {today.isoformat()}"})
    return rows


def _calendar_rows(periods: list[dict[str, Any]], frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlap and gap rows of one calendar; ``frames``: the district's other periods (see :func:`term_gaps`)."""
    rows = []
    for f in period_overlaps(periods):
        days = (dt.date.fromisoformat(f["end"]) - dt.date.fromisoformat(f["start"])).days + 1
        rows.append({"kind": "overlap", "periods": "; ".join(f["titles"]), "start": f["start"], "end": f["end"],
                     "days": days, "section_school_code": None, "detail": f"{days} day(s) in both"})
    for g in term_gaps(periods, frames=frames):
        said = f"between {g['after']} and {g['before']}" if g.get("framed") else f"of {g['within']}"
        rows.append({"kind": "gap", "periods": f"{g['after'] or g['within']}; {g['before'] or g['within']}",
                     "start": g["start"], "end": g["end"], "days": g["days"], "section_school_code": None,
                     "detail": f"{g['days']} day(s) {said} in no period"})
    return rows


def timeline_chart(periods: Iterable[Mapping[str, Any]], findings: Iterable[Mapping[str, Any]], *,
                   as_of: dt.date) -> Any:
    """A matplotlib figure: one bar per grading period, overlaps and gaps shaded, a line at ``as_of``.

    ``findings`` are :func:`audit_rows` rows (only ``overlap`` and ``gap`` are drawn).
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    def day(value: Any) -> float:
        return float(mdates.date2num(dt.date.fromisoformat(str(value)[:10])))

    spans = sorted(periods, key=lambda p: (p["start"], p["end"]))
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(spans) + 1.5))
    for y, p in enumerate(spans):
        ax.barh(y, day(p["end"]) - day(p["start"]) + 1, left=day(p["start"]), color="#4f81bd")
    colours = {"overlap": "#f79646", "gap": "#c0504d"}
    for f in findings:
        if f["kind"] in colours:
            ax.axvspan(day(f["start"]), day(f["end"]) + 1, color=colours[f["kind"]], alpha=0.4, label=f["kind"])
    ax.axvline(float(mdates.date2num(as_of)), color="black", linestyle="--", label=f"as of {as_of}")
    ax.set_yticks(range(len(spans)), [p["title"] for p in spans])
    ax.xaxis_date()
    handles, labels = ax.get_legend_handles_labels()
    legend = dict(zip(labels, handles, strict=True))
    ax.legend(legend.values(), legend.keys(), loc="lower right")
    ax.set_title("Grading periods")
    return fig
