"""The docstring examples of the provisioning modules run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["lookups", "duplicates", "reconcile", "sis_freshness", "guards", "layouts"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"schoology_etl.provisioning.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
