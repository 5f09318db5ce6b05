"""Groups: membership sync from a file, and new groups with their first members.

Modules:

- ``group_creation``: New groups from a file, with their first members -> plan changes (job
  ``create_groups``).
- ``group_members``: Group membership sync: adds and removes that make groups match a CSV (job
  ``sync_group_members``).

The names of ``group_members`` are re-exported here, so ``groups.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.groups.group_members import (
    GroupState,
    group_member_changes,
    member_change_counts,
    member_differences,
    read_group_state,
    select_member_rows,
)

__all__ = [
    "GroupState",
    "group_creation",
    "group_member_changes",
    "group_members",
    "member_change_counts",
    "member_differences",
    "read_group_state",
    "select_member_rows",
]
