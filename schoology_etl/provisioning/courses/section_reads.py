"""Read every section and every section's enrollments in few requests (multiget, 50 paths each).

Sections live under courses and enrollments under sections, so a district-wide read is
one list of courses, then ``/courses/{id}/sections`` and ``/sections/{id}/enrollments``
fetched through ``POST /multiget`` 50 at a time (a list longer than one page is then
read whole with ``iter_records``). Records come back as plain dicts (ids typed as
``iter_records`` types them); enrollments carry the ``section_id``, ``section_school_code``,
``course_code`` and ``building_id`` of their section.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from schoology_etl.errors import ResponseFormatError
from schoology_etl.provisioning.rows import text
from schoology_etl.responses import coerce_record

log = logging.getLogger(__name__)

MULTIGET_BATCH = 50
PAGE = 200


def _list_rows(client: Any, path: str, body: Any, list_key: str) -> list[dict[str, Any]]:
    """The rows of a multiget list body; a list longer than one page is read whole through the client."""
    if not isinstance(body, Mapping):
        raise ResponseFormatError(f"multiget: GET {path} failed")
    if (body.get("links") or {}).get("next"):
        return [dict(r) for r in client.iter_records(path.split("?")[0].lstrip("/"), **_query(path))]
    return [coerce_record(r) for r in body.get(list_key) or []]  # ids typed as iter_records gives them


def _query(path: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(path).query))


def multiget_lists(client: Any, paths: Sequence[str], list_key: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(path, rows)`` for each list path, fetched 50 paths per ``POST /multiget``."""
    for start in range(0, len(paths), MULTIGET_BATCH):
        chunk = list(paths[start : start + MULTIGET_BATCH])
        for path, body in zip(chunk, client.multiget(chunk), strict=True):
            yield path, _list_rows(client, path, body, list_key)


def read_sections(
    client: Any,
    *,
    include_past: bool = True,
    building_ids: Iterable[Any] | None = None,
    fields: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Every section of every course (of ``building_ids`` when given), with ``course_code``.

    Args:
        client: a ``SchoologyClient``.
        include_past: also inactive sections (``include_past=1``).
        building_ids: only courses of these buildings; ``None`` or empty means all.
        fields: keep only these fields of each section (besides ``course_code`` and
            ``building_id``), for a district-wide read that needs little of each; ``None``: all.
    """
    return list(iter_sections(client, include_past=include_past, building_ids=building_ids, fields=fields))


def iter_sections(
    client: Any, *, include_past: bool = True, building_ids: Iterable[Any] | None = None,
    fields: Iterable[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`read_sections` as a stream (one multiget of courses' sections at a time in memory)."""
    keep = None if fields is None else tuple(dict.fromkeys(fields))
    wanted = {text(b) for b in building_ids or () if text(b)}
    courses = [{"id": c["id"], "course_code": c.get("course_code"), "building_id": c.get("building_id")}
               for c in client.iter_records("courses") if not wanted or text(c.get("building_id")) in wanted]
    flag = "include_past=1&" if include_past else ""
    paths = [f"/courses/{c['id']}/sections?{flag}limit={PAGE}" for c in courses]
    by_path = dict(zip(paths, courses, strict=True))
    count = 0
    for path, rows in multiget_lists(client, paths, "section"):
        course = by_path[path]
        for row in rows:
            count += 1
            kept = row if keep is None else {f: row.get(f) for f in keep}
            yield {**kept, "course_code": row.get("course_code") or course.get("course_code"),
                   "building_id": row.get("building_id") or course.get("building_id")}
    log.info("read %d sections of %d courses", count, len(courses))


def read_section_enrollments(client: Any, sections: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every enrollment of ``sections``, each tagged with its section's id, code, course and building."""
    sections = list(sections)
    out = list(iter_section_enrollments(client, sections))
    log.info("read %d enrollments of %d sections", len(out), len(sections))
    return out


def iter_section_enrollments(client: Any, sections: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """:func:`read_section_enrollments` as a stream (one multiget of sections at a time in memory)."""
    sections = list(sections)
    paths = [f"/sections/{s['id']}/enrollments?limit={PAGE}" for s in sections]
    by_path = dict(zip(paths, sections, strict=True))
    for path, rows in multiget_lists(client, paths, "enrollment"):
        s = by_path[path]
        tags = {"section_id": text(s.get("id")), "section_school_code": s.get("section_school_code"),
                "course_code": s.get("course_code"), "building_id": text(s.get("building_id"))}
        for row in rows:
            yield {**row, **tags}
