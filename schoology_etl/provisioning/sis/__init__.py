"""SIS files: layouts and column maps, file specs and validation (alone and across files), freshness,
reconciling a file or a whole snapshot with Schoology, and delivering a report to an SFTP site.

Modules:

- ``deliveries``: Deliver a report file to a district's SFTP site as a reviewed plan (job
  ``deliver_report_sftp``).
- ``layouts``: District files as they come: column maps from any layout to the jobs' own columns.
- ``membership_reconcile``: The enrollments and parents kinds of ``reconcile_sis_with_schoology``, streamed.
- ``reconcile``: Diff desired records against current ones by key (job ``reconcile_sis_with_schoology``).
- ``sis_checks``: Which SIS file is which, and whether a file is usable at all (jobs ``fetch_sis_files``,
  ``validate_sis_files``).
- ``sis_cross_checks``: Checks across the SIS files of one export: people the other files name must be in its
  users file.
- ``sis_fetch``: Fetch an SIS export from an SFTP site and stage it for the import jobs (job
  ``fetch_sis_files``).
- ``sis_freshness``: How old an SIS export's files are (job ``fetch_sis_files``): an export that stopped
  running is refused.
- ``sis_reconcile``: What an SIS file would change in Schoology, in both directions (job
  ``reconcile_sis_with_schoology``).
- ``sis_snapshot``: A full SIS snapshot: one folder of files, their ages, and the keys each file holds (job
  ``sis_sync_health``).
- ``sis_specs``: The SIS CSV files the jobs read: their columns, keys and the kind of each column.
- ``sis_sync``: How far Schoology has drifted from a full SIS snapshot, per domain and in both directions (job
  ``sis_sync_health``).
- ``sis_validation``: Validate an SIS CSV file against its spec and report every problem by row.
- ``stream_diff``: Compare two large keyed streams in bounded memory (jobs ``sis_sync_health``,
  ``reconcile_sis_with_schoology``).
- ``uid_index``: A whole district's ``uid -> school_uid`` in a few bytes a user (job
  ``reconcile_sis_with_schoology``).

The names of ``sis_specs`` are re-exported here, so ``sis.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.sis.sis_specs import (
    ADVISORS,
    COURSES_SECTIONS,
    ENROLLMENTS,
    GROUP_MEMBERS,
    KINDS,
    NEW_GROUPS,
    PARENTS,
    ROLE_CHANGES,
    SPECS,
    UID_REMAP,
    USERS,
    SISFileSpec,
    spec_for,
    split_list,
)

__all__ = [
    "ADVISORS",
    "COURSES_SECTIONS",
    "ENROLLMENTS",
    "GROUP_MEMBERS",
    "KINDS",
    "NEW_GROUPS",
    "PARENTS",
    "ROLE_CHANGES",
    "SISFileSpec",
    "SPECS",
    "UID_REMAP",
    "USERS",
    "deliveries",
    "layouts",
    "membership_reconcile",
    "reconcile",
    "sis_checks",
    "sis_cross_checks",
    "sis_fetch",
    "sis_freshness",
    "sis_reconcile",
    "sis_snapshot",
    "sis_specs",
    "sis_sync",
    "sis_validation",
    "spec_for",
    "split_list",
    "stream_diff",
    "uid_index",
]
