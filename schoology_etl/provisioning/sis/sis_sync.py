"""How far Schoology has drifted from a full SIS snapshot, per domain and in both directions (job ``sis_sync_health``).

For each domain of :mod:`.sis_snapshot` (users, courses and sections, enrollments, parent
links) the SIS file's keys and the client's are compared:

* ``sis_only``: the SIS has it, Schoology lacks it (an import would create it);
* ``schoology_only``: Schoology has it, the SIS dropped it (deactivate, drop, unlink or check the export);
* ``differs``: both have it but a compared field (:data:`COMPARE`) disagrees.

Both sides stream through :class:`.stream_diff.ExternalSorter` and meet in
:func:`.stream_diff.merge_diff`, so no side's records are held whole: the client is read
once (users with parents' ``child_uids``, then courses and their current sections 50 per
multiget, then those sections' enrollments) and only ``(key, few fields)`` pairs are kept,
spilled to temporary files past ``chunk_size`` pairs. The client's sections are those the
API lists without ``include_past`` (not every grading period ended): an SIS export holds
this year's sections, not history. Parent links come from parents' ``child_uids`` (the
documented readable side), joined to the children's ``school_uid`` by a sorted merge.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from schoology_etl.provisioning.courses.section_reads import PAGE, iter_section_enrollments, multiget_lists
from schoology_etl.provisioning.rows import split_ids, text
from schoology_etl.provisioning.sis.sis_snapshot import DOMAINS, FIELDS, fold, sis_pairs
from schoology_etl.provisioning.sis.stream_diff import CHUNK_SIZE, DiffCounts, ExternalSorter, merge_diff

log = logging.getLogger(__name__)

#: the fields compared for keys on both sides
COMPARE: dict[str, tuple[str, ...]] = {
    "users": ("role", "building_code"),
    "courses_sections": ("course_code", "section_title"),
    "enrollments": ("role",),
    "parents": (),
}
DIRECTIONS = ("sis_only", "schoology_only", "differs")
#: what a district does about each count
NEXT_STEPS: dict[str, dict[str, str]] = {
    "users": {"sis_only": "import_users creates them", "schoology_only": "deactivate_missing_users candidates",
              "differs": "import_users updates role or building"},
    "courses_sections": {"sis_only": "import_courses_sections creates them",
                         "schoology_only": "current sections the SIS dropped: check the export or archive them",
                         "differs": "import_courses_sections updates course or title"},
    "enrollments": {"sis_only": "import_enrollments adds them",
                    "schoology_only": "enrollments the SIS dropped: drop rows for import_enrollments",
                    "differs": "import_enrollments changes the role"},
    "parents": {"sis_only": "import_parent_associations links them",
                "schoology_only": "links the SIS dropped: unlink rows for import_parent_associations", "differs": ""},
}
SUMMARY_COLUMNS = ["domain", "file", "in_sis", "in_schoology", "in_both", "sis_only", "schoology_only", "differs",
                   "sis_repeated", "schoology_without_key", "next_steps"]
MULTIGET = 50


def building_codes(places: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Building (or school) id -> building code, from :attr:`.lookups.ClientLookups.places`."""
    return {text(p.get("id")): text(p.get("building_code")) for p in places if text(p.get("id"))}


class SchoologySide:
    """The client's ``(key, fields)`` pairs of every domain, each in an :class:`ExternalSorter`.

    ``without_key`` counts records that cannot be compared: users, sections or enrollments
    without an SIS id, and parent links to a user without one (or not active).
    ``section_codes`` maps ``(course_code, section_code)`` (case-folded) to a section
    school code, for enrollment rows that name their section that way.
    """

    def __init__(
        self, client: Any, *, role_names: Mapping[str, str], building_codes: Mapping[str, str],
        chunk_size: int = CHUNK_SIZE, tmpdir: str | None = None,
    ) -> None:
        self.client = client
        self.role_names = {text(k): text(v) for k, v in role_names.items()}
        self.building_codes = {text(k): text(v) for k, v in building_codes.items()}
        self.sorters = {d: ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) for d in DOMAINS}
        self.without_key = dict.fromkeys(DOMAINS, 0)
        self.section_codes: dict[tuple[str, str], str] = {}
        self._chunk, self._tmpdir = chunk_size, tmpdir

    def close(self) -> None:
        for sorter in self.sorters.values():
            sorter.close()

    def __enter__(self) -> SchoologySide:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self) -> SchoologySide:
        """Read users and parent links, then sections, then their enrollments."""
        self._read_users()
        sections = self._read_sections()
        self._read_enrollments(sections)
        log.info("read %s", ", ".join(f"{d}: {s.count}" for d, s in self.sorters.items()))
        return self

    def _read_users(self) -> None:
        parent_roles = {i for i, title in self.role_names.items() if title.casefold() == "parent"}
        with ExternalSorter(chunk_size=self._chunk, tmpdir=self._tmpdir) as ids, \
                ExternalSorter(chunk_size=self._chunk, tmpdir=self._tmpdir) as children:
            lacking: list[tuple[str, str]] = []
            for user in self.client.iter_records("users"):
                uid, school_uid = text(user.get("uid") or user.get("id")), text(user.get("school_uid"))
                if not school_uid:
                    self.without_key["users"] += 1
                    continue
                ids.add(uid, school_uid)
                self.sorters["users"].add(fold(school_uid), {
                    "school_uid": school_uid, "name_first": text(user.get("name_first")),
                    "name_last": text(user.get("name_last")),
                    "role": self.role_names.get(text(user.get("role_id")), ""),
                    "building_code": self.building_codes.get(text(user.get("building_id")), "")})
                if "child_uids" in user:  # the listing's own (null for users without children)
                    children.extend((child, school_uid) for child in split_ids(user.get("child_uids")))
                elif text(user.get("role_id")) in parent_roles:
                    lacking.append((uid, school_uid))
                    if len(lacking) == MULTIGET:
                        children.extend(self._children_of(lacking))
                        lacking = []
            children.extend(self._children_of(lacking))
            for student, parent in self._join(ids, children):
                self.sorters["parents"].add(fold(student, parent),
                                            {"student_school_uid": student, "parent_school_uid": parent})

    def _children_of(self, parents: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        """Parents whose listing row lacks ``child_uids``, read one by one (one multiget)."""
        if not parents:
            return
        bodies = self.client.multiget([f"/users/{uid}" for uid, _ in parents])
        for (_, school_uid), body in zip(parents, bodies, strict=True):
            if isinstance(body, Mapping):
                for child in split_ids(body.get("child_uids")):
                    yield child, school_uid

    def _join(self, ids: Iterable[tuple[str, Any]], children: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
        """``(student school_uid, parent school_uid)`` for child links sorted by child uid, by merging with ``ids``."""
        known = iter(ids)
        current = next(known, None)
        for child, parent in children:
            while current is not None and current[0] < child:
                current = next(known, None)
            if current is not None and current[0] == child:
                yield current[1], parent
            else:
                self.without_key["parents"] += 1

    def _read_sections(self) -> list[dict[str, Any]]:
        """Current sections with a section school code, as slim records for the enrollment read."""
        slim: list[dict[str, Any]] = []
        batch: list[Mapping[str, Any]] = []
        for course in self.client.iter_records("courses"):
            batch.append({k: course.get(k) for k in ("id", "course_code", "title", "building_id")})
            if len(batch) == MULTIGET:
                slim += self._sections_of(batch)
                batch = []
        slim += self._sections_of(batch)
        return slim

    def _sections_of(self, courses: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        paths = [f"/courses/{c['id']}/sections?limit={PAGE}" for c in courses]
        by_path = dict(zip(paths, courses, strict=True))
        slim = []
        for path, rows in multiget_lists(self.client, paths, "section"):
            course = by_path[path]
            course_code = text(course.get("course_code"))
            for row in rows:
                code = text(row.get("section_school_code"))
                if not code:
                    self.without_key["courses_sections"] += 1
                    continue
                building = text(row.get("building_id") or course.get("building_id"))
                self.sorters["courses_sections"].add(fold(code), {
                    "section_school_code": code, "course_code": course_code,
                    "section_title": text(row.get("section_title")),
                    "building_code": self.building_codes.get(building, "")})
                if text(row.get("section_code")):
                    self.section_codes[(course_code.casefold(), text(row.get("section_code")).casefold())] = code
                slim.append({"id": row.get("id"), "section_school_code": code, "course_code": course_code,
                             "building_id": building})
        return slim

    def _read_enrollments(self, sections: list[dict[str, Any]]) -> None:
        for e in iter_section_enrollments(self.client, sections):
            school_uid, code = text(e.get("school_uid")), text(e.get("section_school_code"))
            if not school_uid:
                self.without_key["enrollments"] += 1
                continue
            self.sorters["enrollments"].add(fold(code, school_uid), {
                "section_school_code": code, "school_uid": school_uid,
                "role": "teacher" if text(e.get("admin")) == "1" else "student"})


def _difference(changed: tuple[str, ...], sis: Mapping[str, Any], schoology: Mapping[str, Any]) -> str:
    return "; ".join(f"{f}: Schoology {text(schoology.get(f))!r}, SIS {text(sis.get(f))!r}" for f in changed)


def compare_domain(
    domain: str, sis: Iterable[tuple[str, Any]], schoology: ExternalSorter, detail: Path, *,
    chunk_size: int = CHUNK_SIZE, tmpdir: str | None = None,
) -> DiffCounts:
    """Compare one domain and write its detail CSV (``direction``, the domain's fields, ``difference``)."""
    counts = DiffCounts()
    with ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as left:
        left.extend(sis)  # the whole file is read (and checked) before the report is begun
        _write_detail(domain, left, schoology, detail, counts)
    return counts


def _write_detail(
    domain: str, left: ExternalSorter, schoology: ExternalSorter, detail: Path, counts: DiffCounts
) -> None:
    with detail.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["direction", *FIELDS[domain], "difference"], lineterminator="\n")
        writer.writeheader()
        for row in merge_diff(left, schoology, compare=COMPARE[domain], counts=counts):
            if row.side == "left":
                writer.writerow({"direction": "sis_only", **row.left, "difference": ""})
            elif row.side == "right":
                writer.writerow({"direction": "schoology_only", **row.right, "difference": ""})
            elif row.changed:
                writer.writerow({"direction": "differs", **row.left,
                                 "difference": _difference(row.changed, row.left, row.right)})


def summary_row(domain: str, file: str, counts: DiffCounts, without_key: int) -> dict[str, Any]:
    """One line of the summary report: the counts and what to do about each non-zero one."""
    found = {"sis_only": counts.left_only, "schoology_only": counts.right_only, "differs": counts.differs}
    steps = "; ".join(f"{n} {d}: {NEXT_STEPS[domain][d]}" for d, n in found.items() if n) or "in sync"
    return {"domain": domain, "file": file, "in_sis": counts.left, "in_schoology": counts.right,
            "in_both": counts.both, **found, "sis_repeated": counts.left_repeated,
            "schoology_without_key": without_key, "next_steps": steps}


def sync_health(
    client: Any, files: Mapping[str, Path], *, role_names: Mapping[str, str], building_codes: Mapping[str, str],
    detail_path: Callable[[str], Any], chunk_size: int = CHUNK_SIZE, tmpdir: str | None = None,
) -> list[dict[str, Any]]:
    """Compare every domain of a snapshot (``domain -> file``, see :func:`.sis_snapshot.snapshot_files`).

    Writes one detail CSV per domain at ``detail_path(domain)``; returns the summary rows
    (:data:`SUMMARY_COLUMNS`).

    Raises:
        SourceFormatError: a snapshot file lacks a required column or holds a bad row (names file and line).
    """
    summary = []
    with SchoologySide(client, role_names=role_names, building_codes=building_codes, chunk_size=chunk_size,
                       tmpdir=tmpdir) as side:
        side.read()
        for domain in DOMAINS:
            pairs = sis_pairs(domain, files[domain], section_codes=side.section_codes)
            counts = compare_domain(domain, pairs, side.sorters[domain], Path(detail_path(domain)),
                                    chunk_size=chunk_size, tmpdir=tmpdir)
            summary.append(summary_row(domain, Path(files[domain]).name, counts, side.without_key[domain]))
    return summary
