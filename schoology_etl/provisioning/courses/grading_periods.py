"""Grading period audit and section ages (jobs ``grading_period_audit``, ``archive_past_sections``).

Periods are ``/gradingperiods`` records (``id``, ``title``, ``start``, ``end`` as
``YYYY-MM-DD``); sections carry ``grading_periods`` (a list of ids, or a comma string).
Nesting (a full year containing its semesters) is normal and not reported as an overlap
unless asked; a partial overlap (S1 ends after S2 starts) is. Gaps are days between the
first start and the last end that no period covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import split_ids, text

Period = dict[str, Any]


def _date(period: Mapping[str, Any], field: str) -> dt.date:
    value = period.get(field)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(text(value)[:10])
    except ValueError:
        raise RecordError(
            f"grading period {text(period.get('title'))!r} (id {text(period.get('id'))}): "
            f"field {field!r} is not a YYYY-MM-DD date: {value!r}",
            step="grading_periods",
            record=dict(period),
        ) from None


def _span(period: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    return _date(period, "start"), _date(period, "end")


def current_periods(periods: Iterable[Mapping[str, Any]], today: dt.date) -> list[Period]:
    """Periods whose start <= ``today`` <= end (copies, input order)."""
    return [dict(p) for p in periods if _span(p)[0] <= today <= _span(p)[1]]


def period_overlaps(periods: Iterable[Mapping[str, Any]], *, include_nested: bool = False) -> list[dict[str, Any]]:
    """Pairs of periods sharing at least one day: ``kind, ids, titles, start, end, nested``."""
    items = sorted((_span(p), p) for p in periods if _span(p)[0] <= _span(p)[1])
    found = []
    for i, ((s1, e1), a) in enumerate(items):
        for (s2, e2), b in items[i + 1 :]:
            if s2 > e1:
                break
            nested = (s1 <= s2 and e2 <= e1) or (s2 <= s1 and e1 <= e2)
            if nested and not include_nested:
                continue
            found.append(
                {
                    "kind": "overlap",
                    "ids": [text(a.get("id")), text(b.get("id"))],
                    "titles": [text(a.get("title")), text(b.get("title"))],
                    "start": max(s1, s2).isoformat(),
                    "end": min(e1, e2).isoformat(),
                    "nested": nested,
                }
            )
    return found


def period_gaps(periods: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stretches of days no period covers, between the first start and the last end."""
    spans = sorted(_span(p) + (text(p.get("title")),) for p in periods)
    gaps = []
    covered_to: dt.date | None = None
    last_title = ""
    for start, end, title in spans:
        if start > end:
            continue
        if covered_to is not None and start > covered_to + dt.timedelta(days=1):
            first, last = covered_to + dt.timedelta(days=1), start - dt.timedelta(days=1)
            gaps.append(
                {
                    "kind": "gap",
                    "start": first.isoformat(),
                    "end": last.isoformat(),
                    "days": (last - first).days + 1,
                    "after": last_title,
                    "before": title,
                }
            )
        if covered_to is None or end > covered_to:
            covered_to, last_title = end, title
    return gaps


def invalid_periods(periods: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Periods that end before they start."""
    return [
        {"kind": "invalid", "ids": [text(p.get("id"))], "titles": [text(p.get("title"))],
         "start": s.isoformat(), "end": e.isoformat()}
        for p in periods
        for s, e in [_span(p)]
        if e < s
    ]


def sections_without_current_period(
    sections: Iterable[Mapping[str, Any]], periods: Iterable[Mapping[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """Sections attached to no period that is current on ``today`` (copies)."""
    current = {text(p.get("id")) for p in current_periods(periods, today)}
    return [dict(s) for s in sections if not current & set(split_ids(s.get("grading_periods")))]


def past_sections(
    sections: Iterable[Mapping[str, Any]], periods: Iterable[Mapping[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """Sections whose grading periods have all ended before ``today``.

    A section with no grading period, or one naming a period that is not in ``periods``,
    is never counted as past.
    """
    ends = {text(p.get("id")): _span(p)[1] for p in periods}
    past = []
    for section in sections:
        ids = split_ids(section.get("grading_periods"))
        if ids and all(i in ends and ends[i] < today for i in ids):
            past.append(dict(section))
    return past


def audit_grading_periods(
    periods: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]] = (),
    *,
    today: dt.date,
    include_nested: bool = False,
) -> list[dict[str, Any]]:
    """Every finding as one row: ``kind`` (invalid, overlap, gap, section_no_current_period) and detail."""
    periods = list(periods)
    findings = invalid_periods(periods) + period_overlaps(periods, include_nested=include_nested)
    findings += period_gaps(periods)
    for section in sections_without_current_period(sections, periods, today):
        findings.append(
            {
                "kind": "section_no_current_period",
                "ids": [text(section.get("id"))],
                "titles": [text(section.get("section_title") or section.get("title"))],
                "section_school_code": section.get("section_school_code"),
                "grading_periods": split_ids(section.get("grading_periods")),
            }
        )
    return findings
