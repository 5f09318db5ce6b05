"""The domain layer: what the catalog's jobs do, as functions a notebook calls in a few lines.

Public, with one package per domain; each package re-exports its core module's names and
lists its modules in ``__all__``::

    users         SIS user rows <-> payloads, role changes, moves, deactivation and reactivation,
                  duplicates and merges, school_uid remaps, the end of a school year
    families      parents' buildings, parent and advisor links
    courses       courses with their sections, section reads, grading periods and calendars,
                  past sections, teachers without sections
    enrollments   enrollment imports, drops, exports and reports
    groups        membership sync, new groups
    sis           SIS file layouts, specs, validation, freshness, reconciling, snapshots, delivery
    analytics     the warehouse map and the reports read through it
    lookups       one ClientLookups for schools and buildings, roles and grading periods
    rows          reading a file's cells with errors naming line and column
    guards        what a job may remove: shares, counts, required filters

Functions take plain dicts shaped like the API's records or like rows of an SIS file, and
return :class:`~schoology_etl.plans.Change` objects for a plan or rows for a report. Bad
input raises an error from :mod:`schoology_etl.errors` naming the row (file line), the field
and the value. Reads go through a client's documented endpoints only.

A job notebook is glue over these: its parameters, a few calls, the report or the plan.
``docs/architecture.md`` maps each job to the functions it calls.
"""

from __future__ import annotations

__all__ = [
    "analytics",
    "courses",
    "enrollments",
    "families",
    "groups",
    "guards",
    "lookups",
    "rows",
    "sis",
    "users",
]
