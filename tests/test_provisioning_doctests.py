"""The docstring examples of the provisioning modules run as tests: every module with an example."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import schoology_etl.provisioning as provisioning


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(provisioning.__path__, f"{provisioning.__name__}."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and ">>>" in open(spec.origin, encoding="utf-8").read():
            names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_the_known_examples_are_found() -> None:
    short = {name.rsplit(".", 1)[-1] for name in MODULES}
    assert {"lookups", "duplicates", "reconcile", "sis_freshness", "guards", "layouts", "warehouse", "license_adoption"} <= short


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
