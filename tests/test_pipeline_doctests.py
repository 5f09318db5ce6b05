"""The examples in the pipeline and io docstrings run as tests (petl style)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "schoology_etl.pipeline.etl",
    "schoology_etl.pipeline.builder",
    "schoology_etl.io.csv",
    "schoology_etl.io.pandas",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
