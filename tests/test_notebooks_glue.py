"""Job notebooks are glue over the library's public API: public imports only, and short."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import nbformat
import pytest

JOBS = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "jobs").glob("*.ipynb"))
MAX_CODE_LINES = 30


def _code(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def _code_lines(sources: list[str]) -> int:
    return sum(1 for src in sources for line in src.splitlines()
               if line.strip() and not line.strip().startswith("#"))


def _public(module: str) -> bool:
    """A module is public when no part of its name is private and each step is in its parent's ``__all__``."""
    parts = module.split(".")
    if any(part.startswith("_") for part in parts):
        return False
    for i in range(1, len(parts)):
        parent = importlib.import_module(".".join(parts[:i]))
        if parts[i] not in getattr(parent, "__all__", ()):
            return False
    return True


def _imports(sources: list[str]) -> list[tuple[str, str]]:
    """(module, name) for each import; name is '' for ``import module``."""
    found: list[tuple[str, str]] = []
    for src in sources:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Import):
                found.extend((alias.name, "") for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.extend((node.module, alias.name) for alias in node.names)
    return found


def _private_import(module: str, name: str) -> bool:
    """True when ``from module import name`` (or ``import module``) reaches past the public API."""
    if name:
        submodule = f"{module}.{name}"
        if importlib.util.find_spec(module).submodule_search_locations and importlib.util.find_spec(submodule):
            return not _public(submodule)
        exported = getattr(importlib.import_module(module), "__all__", None)
        if name.startswith("_") or (exported is not None and name not in exported):
            return True
    return not _public(module)


@pytest.mark.parametrize("path", JOBS, ids=lambda p: p.stem)
def test_a_job_imports_only_public_library_names(path: Path) -> None:
    private = [f"{module}:{name}" if name else module for module, name in _imports(_code(path))
               if module.split(".")[0] == "schoology_etl" and _private_import(module, name)]
    assert not private, f"{path.stem} imports private names: {private}"


def test_the_public_check_refuses_a_private_module() -> None:
    assert _public("schoology_etl.provisioning.users")
    assert not _public("schoology_etl.plans.file_target")
    assert _private_import("schoology_etl.plans", "file_target")
    assert _private_import("schoology_etl.errors", "_hidden")
    assert not _private_import("schoology_etl.errors", "ConfigurationError")


@pytest.mark.parametrize("path", JOBS, ids=lambda p: p.stem)
def test_a_job_is_short_glue(path: Path) -> None:
    lines = _code_lines(_code(path))
    assert lines < MAX_CODE_LINES, f"{path.stem} has {lines} lines of code; its logic belongs in the library"
