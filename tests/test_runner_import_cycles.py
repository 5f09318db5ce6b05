"""The runner's and the library's modules import each other without cycles at import time,
the library never imports the runner (at import time or inside a function), and the
runner's secrets never import the profile store back.

Imports are read from the source (``ast``), not by importing: a module-level import is
one executed when the module is imported (top level, class bodies, top-level ``if`` and
``try``; not inside functions, not under ``if TYPE_CHECKING:``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("runner", "schoology_etl")


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under the packages (``pkg.__init__`` is ``pkg``)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(body: list[ast.stmt], *, module_level: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not (module_level and _is_type_checking(node.test)):
                yield from _import_nodes(node.body, module_level=module_level)
            yield from _import_nodes(node.orelse, module_level=module_level)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _import_nodes(block, module_level=module_level)
        elif isinstance(node, (ast.With, ast.For, ast.While, ast.ClassDef)):
            yield from _import_nodes(node.body, module_level=module_level)
        elif not module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _import_nodes(node.body, module_level=module_level)


def imported_modules(name: str, path: Path, known: set[str], *, module_level: bool = True) -> set[str]:
    """The modules (among ``known``) that module ``name`` imports: at import time only, or anywhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(tree.body, module_level=module_level):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` imports mod
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` of a name that is not a module
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules it imports at import time."""
    files = module_files(root, packages)
    known = set(files)
    return {name: imported_modules(name, path, known) for name, path in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import one another in a ring (strongly connected, size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, iteratively (no recursion limit)
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def test_no_module_level_import_cycles_in_the_runner_or_the_library() -> None:
    graph = import_graph(ROOT, PACKAGES)
    assert len(graph) > 100  # both packages were read
    assert import_cycles(graph) == []


def test_the_library_imports_nothing_of_the_runner_even_inside_functions() -> None:
    files = module_files(ROOT, PACKAGES)
    known = set(files)
    offenders = {name: sorted(m for m in imported_modules(name, path, known, module_level=False)
                              if m.split(".")[0] == "runner")
                 for name, path in files.items() if name.split(".")[0] == "schoology_etl"}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_secrets_never_import_the_profile_store_back() -> None:
    files = module_files(ROOT, PACKAGES)
    imported = imported_modules("runner.secrets", files["runner.secrets"], set(files), module_level=False)
    assert "runner.profile_store" not in imported  # the store uses the secrets, not the other way round


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_see_cycles_through_packages_relative_imports_and_from_imports(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pkg/__init__.py": "from pkg.store import Thing\n",
        "pkg/store/__init__.py": "from .models import Thing\n",
        "pkg/store/models.py": "from pkg import helpers\nclass Thing:\n    pass\n",
        "pkg/helpers.py": "import pkg.store.models\n",
        "pkg/late.py": "def f():\n    from pkg import early\n",
        "pkg/early.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import late\n"
                        "from pkg.late import f\n",
    })
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.store.models"] == {"pkg.helpers"}
    assert graph["pkg.store"] == {"pkg.store.models"}
    assert graph["pkg.early"] == {"pkg.late"}  # the TYPE_CHECKING import is not executed
    assert graph["pkg.late"] == set()  # imports inside functions run later
    assert import_cycles(graph) == [["pkg.helpers", "pkg.store.models"]]
    files = module_files(tmp_path, ("pkg",))
    assert "pkg.early" in imported_modules("pkg.late", files["pkg.late"], set(files), module_level=False)
