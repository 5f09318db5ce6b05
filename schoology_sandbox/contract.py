"""The field contract (``contract.yaml``): what each route of the API reads, accepts and answers.

The sandbox obeys it in one place, :meth:`SandboxApp.dispatch`: before a write's handler
runs, :meth:`RouteContract.refuse` turns away a body shape or a field the documentation
does not show for that route (``400``, nothing written); after the handler,
:meth:`RouteContract.shape` projects the answer onto the documented fields, with the
documented types (``total`` a string or a number, grading period dates, ids) and row codes.

``python -m schoology_sandbox.contract --write`` renders the contract into
``docs/sandbox.md`` between the ``contract`` markers; a test keeps the two equal.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from schoology_sandbox.routing import Reply

CONTRACT_FILE = Path(__file__).with_name("contract.yaml")
DOC_FILE = Path(__file__).resolve().parents[1] / "docs" / "sandbox.md"
BEGIN, END = "<!-- contract:begin (generated from schoology_sandbox/contract.yaml) -->", "<!-- contract:end -->"
_FAILED_ROW_FIELDS = ("response_code", "message", "error")


@dataclass(frozen=True)
class Fact:
    """One documented (or inferred) fact with where it comes from."""

    route: str
    fact: str
    source: str
    confidence: str


@dataclass(frozen=True)
class RouteContract:
    """The contract of one route, e.g. ``GET /users``."""

    name: str
    spec: dict[str, Any]
    notes: tuple[Fact, ...] = field(default=())

    @property
    def answer(self) -> str:
        return str(self.spec["answer"])

    @property
    def fields(self) -> list[str]:
        return list(self.spec.get("fields") or [])

    def refuse(self, body: Any) -> Reply | None:
        """A ``400`` reply for a body this route does not document, else ``None``."""
        shapes = self.spec.get("body")
        if not shapes:
            return None
        if "none" in shapes:
            return None if body in (None, "", {}) else Reply(400, f"{self.name} takes no request body.")
        shape, items = _body_shape(body, self.spec.get("bulk_keys") or [None, None])
        if shape not in shapes:
            return Reply(400, f"{self.name} does not accept this body; documented: {self.describe_body()}.")
        allowed = set(self.spec.get("item_fields") or ())
        nested_allowed = set(CONTRACT().routes["PUT /sections/{id}"].spec["item_fields"])
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                continue
            unknown = sorted(set(item) - allowed)
            for section in _nested_sections(item):
                unknown += sorted(f"sections.{k}" for k in set(section) - nested_allowed)
            if unknown:
                return Reply(400, f"{self.name}: item {n}: field(s) not accepted: {', '.join(unknown)}.")
        return None

    def describe_body(self) -> str:
        plural, singular = self.spec.get("bulk_keys") or [None, None]
        forms = {
            "single": "one object",
            "bulk": f'{{"{plural}": {{"{singular}": [...]}}}}',
            "list": f'{{"{singular}": [...]}}',
            "none": "no body",
        }
        return " or ".join(forms[s] for s in self.spec.get("body") or [])

    def shape(self, reply: Reply) -> Reply:
        """The reply projected onto the documented fields and types."""
        if reply.status >= 300 or not isinstance(reply.body, dict):
            return reply
        body = reply.body
        answer = self.answer
        if answer == "list":
            body = self._shape_list(body)
        elif answer == "object":
            body = self._project(body, self.fields)
        elif answer == "bulk":
            body = self._shape_bulk(reply.status, body)
        return Reply(reply.status, body, reply.headers, reply.content_type)

    # ------------------------------------------------------------------ helpers
    def _project(self, obj: Any, fields: list[str]) -> Any:
        if not isinstance(obj, dict):
            return obj
        types = self.spec.get("types") or {}
        return {f: _typed(obj[f], types.get(f)) for f in fields if f in obj}

    def _shape_list(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = self.fields
        out: dict[str, Any] = {}
        for key in [self.spec["key"], *(self.spec.get("extra_keys") or [])]:
            if key in body:
                out[key] = [self._project(row, fields) for row in body[key]]
        total = self.spec.get("total", "absent")
        if "total" in body and total != "absent":
            out["total"] = str(body["total"]) if total == "string" else int(body["total"])
        if self.spec.get("links") and "links" in body:
            out["links"] = body["links"]
        return out

    def _shape_bulk(self, status: int, body: dict[str, Any]) -> dict[str, Any]:
        key, nested = self.spec["key"], self.spec.get("nested")
        holder = body.get(nested) if nested else body
        rows = holder.get(key) if isinstance(holder, dict) else None
        if status != self.spec.get("status", 207) or not isinstance(rows, list):
            return self._project(body, list(self.spec.get("single_fields") or body))
        shaped = [self._row(r) for r in rows]
        return {nested: {key: shaped}} if nested else {key: shaped}

    def _row(self, row: Any) -> Any:
        if not isinstance(row, dict):
            return row
        code = int(row.get("response_code") or 0)
        if code >= 300:
            return {f: row[f] for f in _FAILED_ROW_FIELDS if f in row}
        out = {f: row[f] for f in self.spec.get("row_fields") or () if f in row}
        out["response_code"] = int(self.spec.get("row_code", code))
        if isinstance(out.get("sections"), dict):  # a course row nests its sections' rows
            section_rows = CONTRACT().routes["POST /courses/{id}/sections"]
            out["sections"] = {"section": [section_rows._row(r) for r in out["sections"].get("section") or []]}
        return out


def _nested_sections(item: dict[str, Any]) -> list[dict[str, Any]]:
    sections = item.get("sections")
    rows = sections.get("section") if isinstance(sections, dict) else None
    if isinstance(rows, dict):
        rows = [rows]
    return [r for r in rows or [] if isinstance(r, dict)]


def _body_shape(body: Any, keys: list[str | None]) -> tuple[str, list[Any]]:
    """(``single`` | ``bulk`` | ``list`` | ``invalid``, items) for a request body."""
    plural, singular = keys
    if not isinstance(body, dict):
        return "invalid", []
    if plural and plural in body:
        inner = body[plural]
        rows = inner.get(singular) if isinstance(inner, dict) and len(body) == 1 else None
        rows = [rows] if isinstance(rows, dict) else rows
        return ("bulk", rows) if isinstance(rows, list) and len(inner) == 1 else ("invalid", [])
    if plural is None and singular and singular in body:
        rows = body[singular]
        return ("list", rows) if isinstance(rows, list) and len(body) == 1 else ("invalid", [])
    return "single", [body]


_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def _typed(value: Any, kind: str | None) -> Any:
    if kind is None or value is None:
        return value
    if kind == "string":
        return str(value)
    if kind == "number":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    match = _DATE.match(str(value))
    if not match:
        return value
    return match.group(1) if kind == "date" else f"{match.group(1)} 00:00:00"


class Contract:
    """The whole contract: routes by name, every fact, the markdown table."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.sources: dict[str, str] = data["sources"]
        self.write_only: list[dict[str, Any]] = list(data.get("write_only") or [])
        self.routes: dict[str, RouteContract] = {}
        for name, spec in data["routes"].items():
            notes = tuple(
                Fact(name, n["fact"], n["source"], n["confidence"]) for n in spec.get("notes") or ()
            )
            self.routes[name] = RouteContract(name, spec, notes)

    def route(self, name: str) -> RouteContract | None:
        """The contract of ``"METHOD /template"``, or None when the contract has no such route."""
        return self.routes.get(name)

    def facts(self) -> list[Fact]:
        """Every fact: one per route, plus its notes."""
        out = [
            Fact(f"{w['realm']} (write-only)", f"{', '.join(w['fields'])}: {w['fact']}", w["source"], w["confidence"])
            for w in self.write_only
        ]
        for r in self.routes.values():
            out.append(Fact(r.name, f"{r.answer} answer", str(r.spec["source"]), str(r.spec["confidence"])))
            out.extend(r.notes)
        return out

    def confidence_counts(self) -> Counter[str]:
        return Counter(f.confidence for f in self.facts())

    def source_text(self, source: str) -> str:
        """``user#GET users`` spelled out with the source's path."""
        name, _, section = source.partition("#")
        if name in self.sources:
            return f"{self.sources[name]}" + (f" § {section}" if section else "")
        return source

    def markdown(self) -> str:
        """The contract as markdown tables (what docs/sandbox.md shows between the markers)."""
        counts = self.confidence_counts()
        lines = [
            BEGIN,
            "",
            f"{sum(counts.values())} facts: {counts['C']} confirmed by the documentation (C), "
            f"{counts['O']} observed by public clients (O), {counts['I']} inferred, where the sandbox "
            "takes the stricter reading (I).",
            "",
            "| route | answer | fields (reads) or accepted body and item fields (writes) | total | codes | conf. "
            "| source |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.routes.values():
            s = r.spec
            if s.get("body"):
                what = f"body: {r.describe_body()}"
                if s.get("item_fields"):
                    what += f"; items: {', '.join(s['item_fields'])}"
                if s.get("flags"):
                    what += f"; flags: {', '.join(s['flags'])}"
                if s.get("row_fields"):
                    where = f"{s['nested']}.{s['key']}" if s.get("nested") else s["key"]
                    what += f"; rows `{where}[]`: {', '.join(s['row_fields'])}"
                if s.get("fields"):
                    what += f"; answer: {', '.join(s['fields'])}"
            else:
                key = f"`{s['key']}[]`: " if s.get("key") else ""
                what = key + ", ".join(s.get("fields") or []) or "-"
                if s.get("flags"):
                    what += f"; filters: {', '.join(s['flags'])}"
            if s.get("types"):
                what += "; types: " + ", ".join(f"{k} {v}" for k, v in s["types"].items())
            total = s.get("total", "") if s["answer"] == "list" else ""
            codes = str(s.get("status", 303 if s["answer"] == "redirect" else 200))
            if s.get("row_code"):
                codes += f", rows {s['row_code']}"
            if s.get("single_status"):
                codes += f", single {s['single_status']}"
            lines.append(
                f"| `{r.name}` | {s['answer']} | {what} | {total} | {codes} | {s['confidence']} | "
                f"{self.source_text(str(s['source']))} |"
            )
        lines += ["", "Write-only fields (accepted by writes, returned by no JSON read; `csvexport/users` has some):",
                  "",
                  "| realm | fields | why | conf. | source |", "|---|---|---|---|---|"]
        for w in self.write_only:
            lines.append(f"| {w['realm']} | {', '.join(w['fields'])} | {w['fact']} | {w['confidence']} | "
                         f"{self.source_text(w['source'])} |")
        lines += ["", "| route | fact | conf. | source |", "|---|---|---|---|"]
        for r in self.routes.values():
            for n in r.notes:
                lines.append(f"| `{r.name}` | {n.fact} | {n.confidence} | {self.source_text(n.source)} |")
        lines += ["", END]
        return "\n".join(lines)


@lru_cache(maxsize=1)
def CONTRACT() -> Contract:  # noqa: N802 - reads like the constant it is
    """The contract loaded from ``contract.yaml`` (once)."""
    return Contract(yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8")))


def render_into(doc: str) -> str:
    """``doc`` with the text between the contract markers replaced by the current table."""
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:start] + CONTRACT().markdown() + doc[end:]


def main(argv: list[str]) -> int:
    """``--write``: regenerate the table in docs/sandbox.md; otherwise print it."""
    if "--write" in argv:
        DOC_FILE.write_text(render_into(DOC_FILE.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"contract table written into {DOC_FILE}")
    else:
        print(CONTRACT().markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
