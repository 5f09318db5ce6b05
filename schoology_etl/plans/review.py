"""A plan as a reviewer reads it: names and titles, only what changes, grouped, searchable.

:func:`review_rows` gives one row per changed field (``before -> after`` in words);
:func:`summarize` one line per operation with its count ("12 users: building changes
(9), role changes (3)"); :func:`find_rows` filters and searches every change (not a
sample) and pages the result; :func:`write_review_csv` and :func:`write_review_xlsx`
download it. The CLI (``toolbelt runs plan``) and the dashboard show the same.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.plans.model import Change

COLUMNS = ("seq", "operation", "what", "object", "field", "before", "after")
#: Words for operations, per realm where it matters.
OP_WORDS = {
    "create": "create", "update": "update", "delete": "delete", "reactivate": "reactivate",
    "deactivate": "deactivate", "link": "link", "unlink": "unlink",
}
REALM_OP_WORDS = {
    ("section_enrollments", "link"): "enroll", ("section_enrollments", "unlink"): "unenroll",
    ("enrollments", "link"): "enroll", ("enrollments", "unlink"): "unenroll",
    ("group", "unlink"): "remove from group", ("group_members", "link"): "add to group",
    ("group_members", "unlink"): "remove from group",
    ("parent_associations", "link"): "link parent", ("parent_associations", "unlink"): "unlink parent",
    ("advisor_associations", "link"): "link advisor", ("advisor_associations", "unlink"): "unlink advisor",
}
REALM_WORDS = {"users": "user", "section_enrollments": "enrollment", "enrollments": "enrollment",
               "parent_associations": "parent link", "sections": "section", "courses": "course",
               "group": "group membership", "group_members": "group membership", "groups": "group",
               "advisor_associations": "advisor link"}
FIELD_WORDS = {"role_id": "role", "building_id": "building", "additional_buildings": "additional buildings",
               "grading_periods": "grading periods", "name_first": "first name", "name_last": "last name",
               "name_middle": "middle name", "primary_email": "email", "grad_year": "grad year",
               "birthday_date": "birthday", "school_uid": "unique id", "admin": "enrolled as",
               "linked": "linked", "status": "status"}
LIST_FIELDS = ("additional_buildings", "grading_periods", "building_ids")
#: Values of the ``admin`` field in words, per realm.
ADMIN_WORDS = {"section_enrollments": {"1": "teacher (admin)", "0": "student (member)"},
               "enrollments": {"1": "teacher (admin)", "0": "student (member)"}}
DESTRUCTIVE = ("delete", "deactivate", "unlink")


def op_word(change: Change) -> str:
    return REALM_OP_WORDS.get((change.realm, change.op), OP_WORDS.get(change.op, change.op))


def realm_word(realm: str) -> str:
    return REALM_WORDS.get(realm, realm.rstrip("s"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s" if not word.endswith("s") else f"{n} {word}"


def words(change: Change, field_name: str, value: Any) -> str:
    """A field's value as a person reads it: titles for ids, words for flags."""
    if value is None or value == "" or value == []:
        return "(none)"
    if field_name == "admin":
        return ADMIN_WORDS.get(change.realm, {"1": "admin", "0": "member"}).get(str(value), str(value))
    if field_name == "linked":
        return "linked" if value in (True, "1", 1, "true") else "not linked"
    names = (change.names.get("values") or {}).get(field_name) or {}
    if field_name in LIST_FIELDS or isinstance(value, (list, tuple)):
        items = value if isinstance(value, (list, tuple)) else str(value).split(",")
        shown = [names.get(str(i).strip(), str(i).strip()) for i in items if str(i).strip()]
        return ", ".join(shown) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return names.get(str(value), str(value))


def _same(a: Any, b: Any) -> bool:
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


def changed_fields(change: Change) -> list[str]:
    """The fields whose value really changes (an update's unchanged fields left out)."""
    if change.op in ("create", "link", "reactivate"):
        return [f for f in change.after if change.after.get(f) not in (None, "")]
    if change.op in ("delete", "deactivate"):
        return []
    return [f for f in change.fields() if not _same(change.before.get(f), change.after.get(f))]


def object_name(change: Change) -> str:
    return str(change.names.get("object") or change.key_text)


def review_rows(changes: Iterable[Change]) -> Iterator[dict[str, Any]]:
    """One row per changed field of every change (one row for a change that changes no field)."""
    for change in changes:
        base = {"seq": change.seq, "operation": op_word(change), "what": realm_word(change.realm),
                "object": object_name(change)}
        fields = changed_fields(change)
        if not fields:
            yield {**base, "field": "", "before": "", "after": ""}
            continue
        for f in fields:
            yield {**base, "field": FIELD_WORDS.get(f, f.replace("_", " ")),
                   "before": words(change, f, change.before.get(f)) if change.op not in ("create",) else "",
                   "after": words(change, f, change.after.get(f))}


@dataclass
class OperationSummary:
    """One operation on one realm: how many, and what they do."""

    realm: str
    op: str
    count: int = 0
    fields: Counter = field(default_factory=Counter)
    gains: Counter = field(default_factory=Counter)
    losses: Counter = field(default_factory=Counter)
    values: Counter = field(default_factory=Counter)

    @property
    def title(self) -> str:
        return f"{REALM_OP_WORDS.get((self.realm, self.op), self.op)} {realm_word(self.realm)}"

    def line(self) -> str:
        """``"12 users updated: building (9), role (3)"``; lists as gains and losses."""
        what = _plural(self.count, realm_word(self.realm))
        verb = {"create": "created", "update": "updated", "delete": "deleted", "reactivate": "reactivated",
                "deactivate": "deactivated", "link": "linked", "unlink": "unlinked"}.get(self.op, self.op)
        verb = {("section_enrollments", "link"): "added", ("section_enrollments", "unlink"): "dropped",
                ("enrollments", "link"): "added", ("enrollments", "unlink"): "dropped",
                ("group", "unlink"): "removed"}.get((self.realm, self.op), verb)
        text = f"{what} {verb}"
        parts = []
        for f, n in self.fields.most_common():
            label = FIELD_WORDS.get(f, f.replace("_", " "))
            if f in LIST_FIELDS:
                parts.append(f"{self.gains[f] or 'none'} gain {'an' if label[0] in 'aeiou' else 'a'} "
                             f"{label.rstrip('s')}, {self.losses[f] or 'none'} lose one")
            elif self.op == "update":
                parts.append(f"{label} ({n})")
        if self.values:
            parts.append(", ".join(f"{n} as {v}" for v, n in self.values.most_common()))
        return text + (": " + "; ".join(parts) if parts else "")

    def add(self, change: Change) -> None:
        self.count += 1
        for f in changed_fields(change):
            if self.op == "update" or f in LIST_FIELDS:
                self.fields[f] += 1
            if f in LIST_FIELDS:
                before = set(str(change.before.get(f) or "").split(",")) - {""}
                after = set(str(change.after.get(f) or "").split(",")) - {""}
                self.gains[f] += bool(after - before)
                self.losses[f] += bool(before - after)
        if "admin" in change.after and change.op == "link":
            self.values[words(change, "admin", change.after["admin"])] += 1


def summarize(changes: Iterable[Change]) -> list[OperationSummary]:
    """One :class:`OperationSummary` per (realm, operation), in plan order."""
    found: dict[tuple[str, str], OperationSummary] = {}
    for change in changes:
        key = (change.realm, change.op)
        if key not in found:
            found[key] = OperationSummary(change.realm, change.op)
        found[key].add(change)
    return list(found.values())


def destructive_count(summaries: Iterable[OperationSummary]) -> int:
    """How many changes delete, deactivate or unlink something."""
    return sum(s.count for s in summaries if s.op in DESTRUCTIVE)


@dataclass
class ReviewPage:
    """One page of the rows that match a filter, and how many match in all."""

    rows: list[dict[str, Any]]
    matched: int
    page: int
    pages: int


def matches(row: dict[str, Any], *, operation: str | None = None, search: str | None = None) -> bool:
    if operation and row["operation"] != operation:
        return False
    if search:
        needle = search.casefold()
        return any(needle in str(row[c]).casefold() for c in ("object", "field", "before", "after", "what"))
    return True


def find_rows(changes: Iterable[Change], *, operation: str | None = None, search: str | None = None,
              page: int = 1, page_size: int = 50) -> ReviewPage:
    """Rows of every change that match, the ``page``-th ``page_size`` of them (pages from 1)."""
    page = max(page, 1)
    start, stop = (page - 1) * page_size, page * page_size
    kept: list[dict[str, Any]] = []
    matched = 0
    for row in review_rows(changes):
        if matches(row, operation=operation, search=search):
            if start <= matched < stop:
                kept.append(row)
            matched += 1
    pages = max(1, -(-matched // page_size))
    return ReviewPage(kept, matched, min(page, pages), pages)


def operations(summaries: Iterable[OperationSummary]) -> list[str]:
    """The operation words a filter offers."""
    return list(dict.fromkeys(REALM_OP_WORDS.get((s.realm, s.op), s.op) for s in summaries))


def review_text(changes: Iterable[Change], summaries: list[OperationSummary]) -> Iterator[str]:
    """The review for a terminal: the summary, then every change grouped by operation."""
    if not summaries:
        yield "Nothing to change: the plan is empty."
        return
    for s in summaries:
        yield f"* {s.line()}"
    current = None
    for row in review_rows(changes):
        group = f"{row['operation']} {row['what']}"
        if group != current:
            current = group
            yield ""
            yield f"== {group} =="
        detail = f"{row['field']}: {row['before']} -> {row['after']}" if row["before"] else \
            f"{row['field']}: {row['after']}" if row["field"] else ""
        yield f"{row['seq']:>6}  {row['object']}" + (f"  |  {detail}" if detail else "")


def write_review_csv(changes: Iterable[Change], out: io.TextIOBase | Any) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(review_rows(changes))


def review_csv_bytes(changes: Iterable[Change]) -> bytes:
    buf = io.StringIO()
    write_review_csv(changes, buf)
    return buf.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def review_xlsx_bytes(changes: Iterable[Change], summaries: list[OperationSummary] | None = None) -> bytes:
    """The review as a workbook: a Summary sheet and a Changes sheet (streamed, write-only)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    if summaries is not None:
        sheet = book.create_sheet("Summary")
        sheet.append(["operation", "count", "summary"])
        for s in summaries:
            sheet.append([s.title, s.count, s.line()])
    sheet = book.create_sheet("Changes")
    sheet.append(list(COLUMNS))
    for row in review_rows(changes):
        sheet.append([row[c] for c in COLUMNS])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
