"""Executing runs: the executioner process, its papermill engine, workers, heartbeats and cancel.

Importing this package is cheap; papermill is imported only by
:mod:`runner.execution.executioner` (with the slow optional ``rfc3987_syntax``
import blocked, see :mod:`runner.execution.fastimport`).
"""
