"""What an SIS file would change in Schoology, in both directions (job ``reconcile_sis_with_schoology``).

Read-only: the result is a diff in :func:`~.reconcile.diff_records`' shape (``op`` add,
update or remove, ``key``, ``changes`` field by field), never a write.

* users: the file is the desired state of every active user, so users missing from it
  are removes (:func:`user_file_diff`);
* courses_sections: the file is this year's sections, so an active section (not every
  grading period ended) missing from it is a remove; a listed one whose course, title or
  grading periods differ an update (:func:`section_file_diff`);
* enrollments: an ``enroll`` of someone not enrolled is an add, of someone enrolled in
  another role an update of ``role``, a ``drop`` of an enrollment that exists a remove;
  rows already true change nothing (:func:`.membership_reconcile.enrollment_file_diff`);
* parents: a ``link`` not linked is an add, an ``unlink`` of a link that exists a remove
  (:func:`.membership_reconcile.parent_file_diff`).

An enrollments or parents file either lists changes (it has an ``action`` column) or
everything the SIS holds (it has none; :func:`holds_everything`). A file of everything
also speaks for what only Schoology has: an enrollment of an active section, or a parent
link, that the file does not list is a remove.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.rows import project, required, split_ids, text
from schoology_etl.provisioning.sis.membership_reconcile import (
    CHUNK,
    current_parent_links,
    iter_enrollment_file_diff,
    iter_enrollment_rows,
    iter_parent_file_diff,
)
from schoology_etl.provisioning.sis.reconcile import diff_records, iter_diff_records
from schoology_etl.provisioning.sis.uid_index import SchoolUidIndex
from schoology_etl.provisioning.users.user_mapping import SIS_USER_FIELDS

#: what the reconcile reads of a Schoology user (its keys and the fields an SIS file sets)
USER_FIELDS = ("uid", "id", "school_uid", *SIS_USER_FIELDS)


def user_file_diff(payloads: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The diff from current ``users`` to user payloads built from an SIS users file (by ``school_uid``)."""
    return list(iter_user_file_diff(payloads, users))


def iter_user_file_diff(
    payloads: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]], *,
    chunk_size: int = CHUNK, tmpdir: str | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`user_file_diff` streamed: only :data:`USER_FIELDS` of each user are kept, ``chunk_size``
    records of a side in memory at a time (see :func:`.reconcile.iter_diff_records`)."""
    current = (u for u in project(users, USER_FIELDS) if text(u.get("school_uid")))
    return iter_diff_records(payloads, current, key="school_uid", fields=SIS_USER_FIELDS,
                             chunk_size=chunk_size, tmpdir=tmpdir, sides=("SIS file", "Schoology"))


class CountedRows:
    """A re-iterable source that counts the rows of its last pass (``count``), so a file is
    streamed once and still reported by its size."""

    def __init__(self, source: Iterable[Mapping[str, Any]]) -> None:
        self.source = source
        self.count = 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        self.count = 0
        for row in self.source:
            self.count += 1
            yield row


def holds_everything(columns: Iterable[str], file_holds: str, *, param: str = "file_holds") -> bool:
    """Whether a file lists everything the SIS holds (``everything``) or changes (``changes``).

    ``auto``: everything when the file has no ``action`` column.

    Raises:
        ConfigurationError: another ``file_holds`` value (names ``param``).
    """
    if file_holds not in FILE_HOLDS:
        raise ConfigurationError(f"parameter {param!r}: {file_holds!r} is not one of {', '.join(FILE_HOLDS)}")
    if file_holds == "auto":
        return "action" not in {text(c) for c in columns}
    return file_holds == "everything"


FILE_HOLDS = ("auto", "changes", "everything")


#: the fields of a section the courses_sections reconcile compares
SECTION_FIELDS = ("course_code", "section_title", "grading_periods")


def section_rows(sections: Iterable[Mapping[str, Any]], period_titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """Active sections (``active`` not 0) with a section school code, as ``section_school_code,
    course_code, section_title, grading_periods`` rows (period titles joined with ``;``)."""
    return [
        {"section_school_code": text(s.get("section_school_code")), "course_code": text(s.get("course_code")),
         "section_title": text(s.get("section_title")),
         "grading_periods": ";".join(period_titles.get(g, g) for g in split_ids(s.get("grading_periods")))}
        for s in sections if text(s.get("section_school_code")) and text(s.get("active")) != "0"
    ]


def _periods(value: Any) -> set[str]:
    return {v.strip().casefold() for v in text(value).replace(",", ";").split(";") if v.strip()}


def section_file_diff(rows: Iterable[Mapping[str, Any]], current: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The diff from :func:`section_rows` to an SIS courses_sections file (by ``section_school_code``).

    Grading periods compare as sets of titles (order and case aside). Active sections the
    file lacks are removes: the file is this year's sections.

    Raises:
        RecordError: a row without a section school code, or a repeated one (names the line).
    """
    desired = []
    for i, row in enumerate(rows):
        required(row, "section_school_code", index=i, step="reconcile")
        desired.append({f: text(row.get(f)) for f in ("section_school_code", *SECTION_FIELDS)})
    diff = diff_records(desired, list(current), key="section_school_code", fields=SECTION_FIELDS,
                        casefold_fields=("course_code",))
    out = []
    for change in diff:
        if change["op"] == "update" and "grading_periods" in change["changes"]:
            periods = change["changes"]["grading_periods"]
            if _periods(periods["before"]) == _periods(periods["after"]):
                changes = {f: c for f, c in change["changes"].items() if f != "grading_periods"}
                if not changes:
                    continue
                change = {**change, "changes": changes,
                          "after": {**change["after"], "grading_periods": change["before"]["grading_periods"]}}
        out.append(change)
    return out


#: the kinds of file the reconcile job compares
KINDS = ("users", "courses_sections", "enrollments", "parents")


def reconcile_file(
    client: Any, kind: str, rows: Iterable[Mapping[str, Any]], *, columns: Iterable[str], file_holds: str = "auto"
) -> Iterable[dict[str, Any]]:
    """The diff an SIS file of ``kind`` would make to the client (reads the client, writes nothing).

    The rows are read once. A users or enrollments file streams: the diff is an iterator
    that reads the file, then the client's users or enrollments, at its first change (errors
    about rows come then), holding :data:`CHUNK` records of a side at a time; the other kinds
    return a list.

    ``columns`` (the file's header) decide, with ``file_holds``, whether an enrollments or
    parents file lists everything (see :func:`holds_everything`). A file of changes must name
    sections and users the client has; a file of everything may name ones the imports have
    yet to create (they are adds).

    Raises:
        ConfigurationError: an unknown ``kind`` or ``file_holds``.
        RecordError: a bad row (names the line; wrap in :func:`.user_changes.naming_file` for the file).
    """
    from schoology_etl.provisioning import lookups
    from schoology_etl.provisioning.courses import section_reads
    from schoology_etl.provisioning.users import birthdays
    from schoology_etl.provisioning.users import user_mapping as sis_users

    if kind not in KINDS:
        raise ConfigurationError(f"parameter 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    everything = holds_everything(columns, file_holds)
    if kind == "parents":
        index, links = current_parent_links(client.iter_records("users"), client)
        return iter_parent_file_diff(rows, links, school_uids=None if everything else index.values(),
                                     everything=everything)
    if kind == "courses_sections":
        titles = {text(p.get("id")): text(p.get("title")) for p in client.iter_records("grading_periods")}
        return section_file_diff(rows, section_rows(section_reads.read_sections(client), titles))
    if kind == "users":
        roles = lookups.role_lookup(client.iter_records("roles"))
        schools = list(client.iter_records("schools"))
        buildings = lookups.building_lookup(
            [*schools, *(b for s in schools for b in client.iter_records("buildings", school_id=s["id"]))])
        dated = birthdays.with_birthdays_compact(client.iter_records("users"), client)
        return iter_user_file_diff(sis_users.iter_user_payloads(rows, roles=roles, buildings=buildings), dated)
    school_uids = SchoolUidIndex.build(client.iter_records("users"))
    sections = section_reads.read_sections(client, fields=("id", "section_school_code", "active"))
    current = iter_enrollment_rows(section_reads.iter_section_enrollments(client, sections), school_uids)
    if everything:  # a full snapshot also names what the imports have yet to create: adds, not errors
        active = [c["section_school_code"] for c in section_rows(sections, {})]
        return iter_enrollment_file_diff(rows, current, everything=True, active_sections=active)
    codes = [s["section_school_code"] for s in sections if s.get("section_school_code")]
    return iter_enrollment_file_diff(rows, current, sections=codes, school_uids=school_uids.values())
