"""Parameter values for a job: coercion of CLI strings and typed values, defaults, constraints.

The values :func:`validate_params` returns are what a notebook receives through
papermill, so they are JSON-ready: a ``date`` is an ISO string (``"2024-01-31"``), a
``file`` is an absolute path string, ``multichoice`` and the client-data types
(``buildings``, ``roles``, ``grading_periods``) are lists. Client-data fields hold
Schoology **ids** as strings (titles are not unique, ids are what the API takes); the
dashboard loads the choices, id and title, through the client.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schoology_etl.errors import ConfigurationError

if TYPE_CHECKING:
    from runner.header import FieldSpec, JobHeader

CLIENT_DATA_TYPES = ("buildings", "roles", "grading_periods")
LIST_TYPES = ("multichoice", *CLIENT_DATA_TYPES)
NUMBER_TYPES = ("int", "float")
TEXT_TYPES = ("string", "text")
FIELD_TYPES = (*TEXT_TYPES, *NUMBER_TYPES, "bool", "date", "choice", "multichoice", "file", *CLIENT_DATA_TYPES)

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


class ParamsInvalid(ConfigurationError):
    """Some parameters are invalid; ``errors`` maps each field name to its problem."""

    def __init__(self, errors: Mapping[str, str], *, job: str | None = None) -> None:
        self.errors = dict(errors)
        self.job = job
        where = f"{job}: " if job else ""
        detail = "; ".join(f"{name}: {msg}" for name, msg in self.errors.items())
        super().__init__(f"{where}invalid parameters: {detail}")


def _fmt_list(values: Any) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _split(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ValueError(f"expected a list or a comma-separated string, got {value!r}")


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if number == number and number not in (float("inf"), float("-inf")):
                return number
    raise ValueError(f"expected a number, got {value!r}")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"expected true or false, got {value!r}")


def _as_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, got {value!r}")


def _as_choice(spec: FieldSpec, value: Any) -> Any:
    for choice in spec.choices or ():
        if value == choice or str(value) == str(choice):
            return choice
    raise ValueError(f"{value!r} is not one of the choices {_fmt_list(spec.choices or ())}")


def _as_multichoice(spec: FieldSpec, value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _split(value):
        choice = _as_choice(spec, item)
        if choice not in out:
            out.append(choice)
    return out


def _as_ids(value: Any) -> list[str]:
    out: list[str] = []
    for item in _split(value):
        if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
            raise ValueError(f"expected ids, got {item!r}")
        text = str(item).strip()
        if text not in out:
            out.append(text)
    return out


def check_csv_file(path: Path) -> None:
    """Raise ``ValueError`` unless ``path`` is a readable CSV (any text encoding, detected) or
    XLSX file with a header row."""
    from schoology_etl.errors import SchoologyETLError
    from schoology_etl.io.tables import read_table

    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder, not a file")
    if not path.is_file():
        raise ValueError(f"file {str(path)!r} does not exist")
    if path.stat().st_size == 0:
        raise ValueError(f"file {str(path)!r} is empty or has no header row")
    try:
        source = read_table(path)
        header = source.columns
        if not header or not any(str(name).strip() for name in header):
            raise ValueError(f"file {str(path)!r} is empty or has no header row")
        if source.encoding != "xlsx":
            with path.open(newline="", encoding=source.encoding) as fh:
                for _ in csv.reader(fh, strict=True):
                    pass
    except UnicodeDecodeError as exc:
        raise ValueError(f"file {str(path)!r} is not text in {exc.encoding}: {exc.reason}") from exc
    except csv.Error as exc:
        raise ValueError(f"file {str(path)!r} is not valid CSV: {exc}") from exc
    except SchoologyETLError as exc:
        raise ValueError(f"file {str(path)!r}: {exc}") from exc


def _as_file(value: Any, base_dir: Path | None, check_files: bool) -> str:
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a file path, got {value!r}")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    if check_files:
        check_csv_file(path)
    return str(path.resolve())


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "string": _as_text,
    "text": _as_text,
    "int": _as_int,
    "float": _as_float,
    "bool": _as_bool,
    "date": _as_date,
}


def coerce_value(spec: FieldSpec, value: Any, *, base_dir: Path | None = None, check_files: bool = True) -> Any:
    """Coerce one value (a CLI string or a typed value) to ``spec``'s type and check its constraints.

    Raises:
        ValueError: with a message naming the problem (not the field).
    """
    if spec.type in _SIMPLE:
        out = _SIMPLE[spec.type](value)
    elif spec.type == "choice":
        out = _as_choice(spec, value)
    elif spec.type == "multichoice":
        out = _as_multichoice(spec, value)
    elif spec.type in CLIENT_DATA_TYPES:
        out = _as_ids(value)
    elif spec.type == "file":
        out = _as_file(value, base_dir, check_files)
    else:  # pragma: no cover - the header refuses unknown types
        raise ValueError(f"unknown type {spec.type!r}")
    check_constraints(spec, out)
    return out


def check_constraints(spec: FieldSpec, value: Any) -> None:
    """Raise ``ValueError`` if ``value`` (already coerced) breaks min, max or pattern."""
    measured: Any = value
    what = "value"
    if spec.type in TEXT_TYPES:
        measured, what = len(value), "length"
    elif spec.type in LIST_TYPES:
        measured, what = len(value), "number of items"
    if spec.min is not None and measured < spec.min:
        raise ValueError(f"{what} {measured!r} is below the minimum {spec.min!r}")
    if spec.max is not None and measured > spec.max:
        raise ValueError(f"{what} {measured!r} is above the maximum {spec.max!r}")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        raise ValueError(f"{value!r} does not match the pattern {spec.pattern!r}")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate_params(
    header: JobHeader,
    raw: Mapping[str, Any],
    *,
    base_dir: Path | None = None,
    check_files: bool = True,
) -> dict[str, Any]:
    """Validate and coerce ``raw`` against ``header``'s params; apply defaults.

    Args:
        header: the job's parsed header.
        raw: name -> value; values may be CLI strings (``"5"``, ``"true"``,
            ``"2024-01-31"``, ``"a,b"``) or typed values. ``client`` is not a param.
        base_dir: relative ``file`` paths are resolved against it (default: cwd).
        check_files: check that ``file`` params exist and parse as CSV.

    Returns:
        Every declared param, JSON-ready (see the module docstring).

    Raises:
        ParamsInvalid: ``errors`` maps each bad field (or unknown name) to its problem.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in raw:
        if name not in header.params:
            known = ", ".join(header.params) or "none"
            errors[name] = f"unknown parameter (this job takes: {known})"
    for name, spec in header.params.items():
        value = raw.get(name)
        if isinstance(value, str) and not value.strip():
            value = None  # an empty form field or "-p name=" means "not given"
        if value is None:
            out[name] = spec.effective_default
        else:
            try:
                out[name] = coerce_value(spec, value, base_dir=base_dir, check_files=check_files)
            except ValueError as exc:
                errors[name] = str(exc)
                continue
        if spec.required and is_empty(out[name]):
            errors[name] = "is required"
    if errors:
        raise ParamsInvalid(errors)
    return out


def parse_cli_params(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["n=5", "behavior=add"]`` -> ``{"n": "5", "behavior": "add"}``; a repeated name is refused."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParamsInvalid({pair: "expected name=value"})
        if name in out:
            raise ParamsInvalid({name: "given more than once"})
        out[name] = value
    return out
