"""schoology_etl: stream Schoology (and CSV, SQL, SFTP, pandas) records, transform them, write them back safely.

The public API is the names in ``__all__``; everything else is private. Names are
imported on first use, so ``import schoology_etl`` stays cheap in a notebook.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # client
    "Credentials": "schoology_etl.credentials",
    "SchoologyClient": "schoology_etl.client",
    "AsyncSchoologyClient": "schoology_etl.async_client",
    "BulkResult": "schoology_etl.bulk",
    "connect": "schoology_etl.profiles",
    "aconnect": "schoology_etl.profiles",
    "Profile": "schoology_etl.profiles",
    "SFTPSettings": "schoology_etl.profiles",
    "ClientStats": "schoology_etl.client",
    "resolve_profile": "schoology_etl.profiles",
    # pipeline
    "etl": "schoology_etl.pipeline",
    "aetl": "schoology_etl.pipeline",
    "Pipeline": "schoology_etl.pipeline",
    "RunReport": "schoology_etl.pipeline",
    # sources and sinks
    "Source": "schoology_etl.io.base",
    "Sink": "schoology_etl.io.base",
    "WriteResult": "schoology_etl.io.base",
    "read_csv": "schoology_etl.io.csv",
    "write_csv": "schoology_etl.io.csv",
    "read_dataframe": "schoology_etl.io.pandas",
    "write_dataframe": "schoology_etl.io.pandas",
    "read_schoology": "schoology_etl.io.schoology",
    "write_schoology": "schoology_etl.io.schoology",
    "read_sql": "schoology_etl.io.sql",
    "write_sql": "schoology_etl.io.sql",
    "sql_engine": "schoology_etl.io.sql",
    "SFTPConnection": "schoology_etl.io.sftp",
    "read_sftp_csv": "schoology_etl.io.sftp",
    "write_sftp_csv": "schoology_etl.io.sftp",
    # outputs, progress and demo data
    "progress": "schoology_etl.progress",
    "output_dir": "schoology_etl.outputs",
    "output_path": "schoology_etl.outputs",
    "demo_file": "schoology_etl.demo_data",
    "input_file": "schoology_etl.demo_data",
    "read_input": "schoology_etl.provisioning.sis.layouts",
    "read_table": "schoology_etl.io.tables",
    "demo_analytics_url": "schoology_etl.demo_data",
    # plans
    "Plan": "schoology_etl.plans",
    "plan_changes": "schoology_etl.plans",
    "Change": "schoology_etl.plans",
    "apply_plan": "schoology_etl.plans",
    "undo_plan": "schoology_etl.plans",
    "write_plan": "schoology_etl.plans.job",
    "PlanSink": "schoology_etl.plans",
    "PlanWriter": "schoology_etl.plans",
    "ApplyReport": "schoology_etl.plans",
    "MemoryTarget": "schoology_etl.plans",
}

__all__ = sorted([*_EXPORTS, "errors", "provisioning"])


def __getattr__(name: str) -> Any:
    if name in ("errors", "provisioning"):  # modules: the error tree, and the jobs' domain layer
        return importlib.import_module(f"schoology_etl.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'schoology_etl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
