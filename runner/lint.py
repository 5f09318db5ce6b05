"""Lint job notebooks: a valid header, a parameters cell that matches it, examples that validate.

The parameters cell (cell 2, tagged ``parameters``) must hold only simple assignments
of literals (``name = <literal>``), read with :func:`ast.literal_eval`, never executed.
It defines exactly the header's params plus ``client`` (a profile name, a string),
each with the header's default (``None`` when the header gives none, ``[]`` for list
types, ``False`` for bool). Every ``examples`` entry must validate; a relative ``file``
path in an example is resolved against the notebook's folder.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runner.catalog import TEMPLATES_DIR, default_jobs_dir
from runner.header import HeaderError, JobHeader, parse_header
from runner.params import ParamsInvalid, validate_params

PARAMETERS_TAG = "parameters"


class ParametersCellError(ValueError):
    """The parameters cell is not made of simple literal assignments."""


def read_parameters_cell(source: str) -> dict[str, Any]:
    """``name -> value`` of a parameters cell made of ``name = <literal>`` lines.

    Raises:
        ParametersCellError: a statement that is not a simple assignment of a literal.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParametersCellError(f"line {exc.lineno}: not valid Python: {exc.msg}") from exc
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value_node = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value_node = node.target.id, node.value
        else:
            raise ParametersCellError(f"line {node.lineno}: only 'name = <literal>' assignments are allowed")
        try:
            value = ast.literal_eval(value_node)
        except ValueError as exc:
            raise ParametersCellError(f"line {node.lineno}: {name} is not assigned a literal") from exc
        if name in values:
            raise ParametersCellError(f"line {node.lineno}: {name} is assigned twice")
        values[name] = value
    return values


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _check_parameters(shown: str, header: JobHeader, cells: list[dict[str, Any]]) -> list[str]:
    if len(cells) < 2:
        return [f"{shown}: cell 2: missing; it must be a code cell tagged '{PARAMETERS_TAG}'"]
    cell = cells[1]
    tags = cell.get("metadata", {}).get("tags", [])
    if cell.get("cell_type") != "code" or PARAMETERS_TAG not in tags:
        return [f"{shown}: cell 2: must be a code cell tagged '{PARAMETERS_TAG}'"]
    try:
        values = read_parameters_cell(_cell_source(cell))
    except ParametersCellError as exc:
        return [f"{shown}: cell 2: {exc}"]
    problems = []
    expected = header.defaults()
    for name in expected:
        if name not in values:
            problems.append(f"{shown}: params.{name}: declared in the header but missing from the parameters cell")
    for name in values:
        if name == "apply" and header.mutates:
            continue
        if name != "client" and name not in expected:
            problems.append(f"{shown}: {name}: defined in the parameters cell but not declared in the header params")
    if header.mutates and values.get("apply", False) is not False:
        problems.append(f"{shown}: apply: a mutating job's parameters cell must say `apply = False` (plan first)")
    if header.mutates and "apply" not in values:
        problems.append(f"{shown}: apply: missing from the parameters cell of a mutating job (add `apply = False`)")
    if "client" not in values:
        problems.append(f"{shown}: client: missing from the parameters cell (e.g. client = \"sandbox\")")
    elif not isinstance(values["client"], str) or not values["client"]:
        problems.append(f"{shown}: client: must be a profile name, got {values['client']!r}")
    for name, default in expected.items():
        if name in values and not _same(values[name], default):
            problems.append(
                f"{shown}: params.{name}: parameters cell default {values[name]!r} != header default {default!r}"
            )
    return problems


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, float) and a == b)


def _check_examples(shown: str, header: JobHeader, base_dir: Path) -> list[str]:
    problems: list[str] = []
    for i, example in enumerate(header.examples):
        try:
            validate_params(header, example, base_dir=base_dir)
        except ParamsInvalid as exc:
            problems.extend(f"{shown}: examples[{i}].{name}: {msg}" for name, msg in exc.errors.items())
    return problems


def lint_notebook(path: str | Path) -> list[str]:
    """Every problem of one notebook, one line each (empty when it passes)."""
    path = Path(path)
    shown = str(path)
    try:
        header = parse_header(path)
    except HeaderError as exc:
        return exc.lines()
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return _check_parameters(shown, header, cells) + _check_examples(shown, header, path.parent)


def default_lint_paths() -> list[Path]:
    """The jobs folder and the templates folder."""
    return [default_jobs_dir(), TEMPLATES_DIR]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Folders become their ``*.ipynb`` files (checkpoints skipped); files stay."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.ipynb") if not q.name.startswith(".")))
        else:
            out.append(p)
    return out


def lint_paths(paths: Iterable[str | Path] | None = None) -> list[str]:
    """Lint every notebook under ``paths`` (default: jobs and templates); one line per problem."""
    problems: list[str] = []
    for path in expand_paths(paths if paths is not None else default_lint_paths()):
        if not path.exists():
            problems.append(f"{path}: no such file")
            continue
        problems.extend(lint_notebook(path))
    return problems
