"""The streaming pipeline: ``etl()``, its async twin ``aetl()``, the ``Pipeline`` builder
and the ``RunReport`` every run returns."""

from __future__ import annotations

from .builder import Pipeline
from .etl import aetl, etl
from .report import Failure, RunReport

__all__ = ["Failure", "Pipeline", "RunReport", "aetl", "etl"]
