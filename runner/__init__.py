"""The runner: job catalog, run store, executioner, workers, CLI and dashboard.

Depends on :mod:`schoology_etl`; the library never imports the runner.
"""
