"""The job header: cell 1 of a job notebook, a raw cell holding YAML.

The header is the single source of truth for the catalog, the form and validation.
It is read without executing anything (the notebook is plain JSON). Example::

    title: Update parent buildings to child buildings
    description: Give every parent the buildings of their children.
    category: Users
    access: [provisioners]     # groups that may run it; absent = every signed-in user
    mutates: true
    timeout: 30m
    params:
      behavior: {type: choice, label: Behavior, choices: [add, replace], default: add}
      allowed_buildings: {type: buildings, required: false, help: Empty means all.}
    outputs: [parents.csv]
    examples:
      - {behavior: add}

Field types: see :data:`runner.params.FIELD_TYPES`; field keys: :data:`FIELD_KEYS`.

- ``required`` (default false) means the value may not be empty; a default satisfies it.
- ``min``/``max`` bound the value of ``int``, ``float`` and ``date`` fields, the length of
  ``string``/``text`` and the number of items of list fields; ``pattern`` (a full-match
  regular expression) applies to ``string``/``text``; ``choices`` to ``choice``/``multichoice``.
- Client-data types (``buildings``, ``roles``, ``grading_periods``) hold lists of ids.
- Without a default a field starts as ``None`` (``[]`` for list types, ``False`` for bool);
  the parameters cell must hold that same value.
- ``access: []`` lets nobody but admins run the job; ``client`` and ``apply`` are reserved
  names. YAML reads bare ``on``/``off``/``yes``/``no`` as booleans: quote such names.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from runner.params import FIELD_TYPES, LIST_TYPES, NUMBER_TYPES, TEXT_TYPES, coerce_value
from schoology_etl.errors import ConfigurationError

HEADER_KEYS = ("title", "description", "category", "access", "mutates", "timeout", "params", "outputs", "examples")
FIELD_KEYS = ("type", "label", "required", "default", "help", "min", "max", "pattern", "choices", "layout")
RESERVED_PARAMS = ("client", "apply")
DEFAULT_TIMEOUT = "30m"
DEFAULT_CATEGORY = "Other"
_TIMEOUT_PART = re.compile(r"(\d+)\s*([hms])")
_TIMEOUT_UNITS = {"h": 3600, "m": 60, "s": 1}


class HeaderError(ConfigurationError):
    """A job header is invalid; every problem names the notebook and the field.

    Attributes:
        path: the notebook.
        problems: ``(field, message)`` pairs; field is ``""`` for the header as a whole.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One ``"path: field: problem"`` line per problem."""
        return [f"{self.path}: {f}: {m}" if f else f"{self.path}: {m}" for f, m in self.problems]


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a job, as declared in the header."""

    name: str
    type: str
    label: str
    required: bool = False
    default: Any = None
    has_default: bool = False
    help: str = ""
    min: Any = None
    max: Any = None
    pattern: str | None = None
    choices: tuple[Any, ...] | None = None
    #: a file field's kind of district file (``users``, ``enrollments``...): the form offers its column map
    layout: str | None = None

    @property
    def effective_default(self) -> Any:
        """The value used when none is given: the default, else ``[]`` for list types, ``False`` for bool, else None."""
        if self.has_default:
            return list(self.default) if isinstance(self.default, (list, tuple)) else self.default
        if self.type in LIST_TYPES:
            return []
        if self.type == "bool":
            return False
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``jobs show --json`` and the form)."""
        out: dict[str, Any] = {"type": self.type, "label": self.label, "required": self.required}
        out["default"] = self.effective_default
        for key in ("help", "min", "max", "pattern"):
            if getattr(self, key) not in (None, ""):
                out[key] = getattr(self, key)
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.layout:
            out["layout"] = self.layout
        return out


@dataclass(frozen=True)
class JobHeader:
    """A parsed, validated job header."""

    title: str
    description: str = ""
    category: str = DEFAULT_CATEGORY
    access: tuple[str, ...] | None = None
    mutates: bool = False
    timeout: str = DEFAULT_TIMEOUT
    timeout_seconds: int = 1800
    params: Mapping[str, FieldSpec] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    examples: tuple[Mapping[str, Any], ...] = ()

    def defaults(self) -> dict[str, Any]:
        """Param name -> effective default."""
        return {name: spec.effective_default for name, spec in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "access": list(self.access) if self.access is not None else None,
            "mutates": self.mutates,
            "timeout": self.timeout,
            "timeout_seconds": self.timeout_seconds,
            "params": {name: spec.to_dict() for name, spec in self.params.items()},
            "outputs": list(self.outputs),
            "examples": [_jsonable(e) for e in self.examples],
        }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def parse_timeout(text: Any) -> int:
    """``"30m"`` -> 1800; accepts ``h``, ``m``, ``s`` and combinations like ``"1h30m"``.

    Raises:
        ValueError: for anything else, or zero.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"expected a duration like 30m, 90s or 2h, got {text!r}")
    if isinstance(text, int):
        raise ValueError(f"expected a duration with a unit like 30m, 90s or 2h, got {text!r}")
    compact = text.strip().lower()
    parts = _TIMEOUT_PART.findall(compact)
    if not parts or _TIMEOUT_PART.sub("", compact).strip():
        raise ValueError(f"expected a duration like 30m, 90s or 2h, got {text!r}")
    seconds = sum(int(n) * _TIMEOUT_UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"must be longer than zero, got {text!r}")
    return seconds


def read_header_source(path: str | Path) -> str:
    """The YAML text of cell 1 of the notebook at ``path``; nothing is executed.

    Raises:
        HeaderError: the file is not a notebook or cell 1 is not a raw cell.
    """
    shown = str(path)
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HeaderError(shown, [("", f"cannot read the notebook: {exc}")]) from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not cells:
        raise HeaderError(shown, [("", "the notebook has no cells; cell 1 must be a raw cell holding the YAML header")])
    first = cells[0]
    if first.get("cell_type") != "raw":
        raise HeaderError(
            shown, [("", f"cell 1 is a {first.get('cell_type')} cell; it must be a raw cell holding the YAML header")]
        )
    source = first.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parse_header(path: str | Path) -> JobHeader:
    """Read and validate the header of the notebook at ``path``.

    Raises:
        HeaderError: naming the notebook, the field and every problem found.
    """
    return parse_header_text(read_header_source(path), str(path), base_dir=Path(path).parent)


def parse_header_text(text: str, path: str = "<header>", *, base_dir: Path | None = None) -> JobHeader:
    """Validate the YAML ``text`` of a header; ``path`` is only used in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HeaderError(path, [("", f"the header is not valid YAML: {exc}")]) from exc
    if not isinstance(data, dict):
        raise HeaderError(path, [("", "the header must be a YAML mapping with at least a title")])
    return _HeaderBuilder(path).build(data)


class _HeaderBuilder:
    """Collects every problem of one header before raising."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def build(self, data: dict[str, Any]) -> JobHeader:
        for key in data:
            if key not in HEADER_KEYS:
                self.fail(str(key), f"unknown header key (known: {', '.join(HEADER_KEYS)})")
        title = self.text(data, "title", required=True)
        description = self.text(data, "description")
        category = self.text(data, "category") or DEFAULT_CATEGORY
        access = self.access(data.get("access", None), "access" in data)
        mutates = data.get("mutates", False)
        if not isinstance(mutates, bool):
            self.fail("mutates", f"expected true or false, got {mutates!r}")
            mutates = False
        timeout = data.get("timeout", DEFAULT_TIMEOUT)
        try:
            timeout_seconds = parse_timeout(timeout)
        except ValueError as exc:
            self.fail("timeout", str(exc))
            timeout_seconds = 0
        params = self.params(data.get("params") or {})
        outputs = self.string_list("outputs", data.get("outputs") or [])
        examples = self.examples(data.get("examples") or [])
        if self.problems:
            raise HeaderError(self.path, self.problems)
        return JobHeader(
            title=title,
            description=description,
            category=category,
            access=access,
            mutates=mutates,
            timeout=str(timeout),
            timeout_seconds=timeout_seconds,
            params=params,
            outputs=tuple(outputs),
            examples=tuple(examples),
        )

    def text(self, data: dict[str, Any], key: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, "is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(key, f"expected non-empty text, got {value!r}")
            return ""
        return value.strip()

    def string_list(self, where: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(where, f"expected a list of names, got {value!r}")
            return []
        return [v.strip() for v in value]

    def access(self, value: Any, present: bool) -> tuple[str, ...] | None:
        if not present or value is None:
            return None
        return tuple(self.string_list("access", value))

    def params(self, value: Any) -> dict[str, FieldSpec]:
        if not isinstance(value, dict):
            self.fail("params", f"expected a mapping of name -> field spec, got {value!r}")
            return {}
        out: dict[str, FieldSpec] = {}
        for name, spec in value.items():
            where = f"params.{name}"
            if isinstance(name, bool):
                self.fail(where, "this name reads as a YAML boolean (yes/no/on/off); quote it")
                continue
            if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
                self.fail(where, "the name must be a Python identifier (it becomes a notebook variable)")
                continue
            if name in RESERVED_PARAMS:
                self.fail(where, f"{name!r} is reserved by the runner")
                continue
            if not isinstance(spec, dict):
                self.fail(where, f"expected a mapping with at least 'type', got {spec!r}")
                continue
            built = _FieldBuilder(self, where, name, spec).build()
            if built is not None:
                out[name] = built
        return out

    def examples(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail("examples", f"expected a list of parameter mappings, got {value!r}")
            return []
        return [dict(v) for v in value]


class _FieldBuilder:
    def __init__(self, header: _HeaderBuilder, where: str, name: str, spec: dict[str, Any]) -> None:
        self.header, self.where, self.name, self.spec = header, where, name, spec
        self.ok = True

    def fail(self, message: str) -> None:
        self.ok = False
        self.header.fail(self.where, message)

    def build(self) -> FieldSpec | None:
        spec = self.spec
        for key in spec:
            if key not in FIELD_KEYS:
                self.fail(f"unknown key {key!r} (known: {', '.join(FIELD_KEYS)})")
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            self.fail(f"type {ftype!r} is not one of {', '.join(FIELD_TYPES)}")
            return None
        choices = self.choices(ftype, spec.get("choices"))
        label = spec.get("label", self.name.replace("_", " ").capitalize())
        help_text = spec.get("help", "")
        for key, value in (("label", label), ("help", help_text)):
            if not isinstance(value, str):
                self.fail(f"{key} must be text, got {value!r}")
        required = spec.get("required", False)
        if not isinstance(required, bool):
            self.fail(f"required must be true or false, got {required!r}")
        pattern = self.pattern(ftype, spec.get("pattern"))
        layout = spec.get("layout")
        if layout is not None:
            from schoology_etl.provisioning.sis.sis_specs import SPECS

            if ftype != "file":
                self.fail("layout only applies to file fields")
            elif layout not in SPECS:
                self.fail(f"layout {layout!r} is not one of {', '.join(SPECS)}")
        bounds = {k: self.bound(ftype, k, spec.get(k)) for k in ("min", "max")}
        if None not in bounds.values() and bounds["min"] > bounds["max"]:
            self.fail(f"min {bounds['min']!r} is above max {bounds['max']!r}")
        if not self.ok:
            return None
        field_spec = FieldSpec(
            name=self.name,
            type=ftype,
            label=label,
            required=required,
            help=help_text,
            min=bounds["min"],
            max=bounds["max"],
            pattern=pattern,
            choices=choices,
            layout=layout,
        )
        if "default" in spec and spec["default"] is not None:
            try:
                default = coerce_value(field_spec, spec["default"], check_files=False)
            except ValueError as exc:
                self.fail(f"default {exc}" if str(exc).startswith("'") else f"default: {exc}")
                return None
            default = tuple(default) if isinstance(default, list) else default  # keep the spec immutable
            field_spec = replace(field_spec, default=default, has_default=True)
        return field_spec

    def choices(self, ftype: str, value: Any) -> tuple[Any, ...] | None:
        if ftype not in ("choice", "multichoice"):
            if value is not None:
                self.fail(f"choices only apply to choice and multichoice, not {ftype}")
            return None
        if not isinstance(value, list) or not value:
            self.fail(f"a {ftype} field needs a non-empty list of choices")
            return None
        if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            self.fail(f"choices must be text or numbers, got {value!r}")
            return None
        if len({str(v) for v in value}) != len(value):
            self.fail(f"choices repeat a value: {value!r}")
            return None
        return tuple(value)

    def pattern(self, ftype: str, value: Any) -> str | None:
        if value is None:
            return None
        if ftype not in TEXT_TYPES:
            self.fail(f"pattern only applies to string and text, not {ftype}")
            return None
        try:
            re.compile(str(value))
        except re.error as exc:
            self.fail(f"pattern {value!r} is not a valid regular expression: {exc}")
            return None
        return str(value)

    def bound(self, ftype: str, key: str, value: Any) -> Any:
        if value is None:
            return None
        if ftype == "date":
            try:
                return coerce_value(FieldSpec(self.name, "date", ""), value)
            except ValueError as exc:
                self.fail(f"{key}: {exc}")
                return None
        if ftype in NUMBER_TYPES or ftype in TEXT_TYPES or ftype in LIST_TYPES:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(f"{key} must be a number, got {value!r}")
                return None
            return value
        self.fail(f"{key} does not apply to {ftype}")
        return None
