"""Users: SIS rows to user payloads and back, role changes, building moves, deactivation and
reactivation, duplicates and merges, school_uid remaps, the end of a school year.

Modules:

- ``birthdays``: Users' birthdays, from where the API really gives them.
- ``duplicates``: Find likely duplicate users, active and inactive (job ``find_duplicate_users``).
- ``identity_keys``: The keys two accounts of one person share: normalised e-mail, full name, SIS id.
- ``lifecycle``: Deactivate users missing from the SIS and reactivate users by school_uid.
- ``merges``: Merge duplicate accounts (job ``merge_duplicate_users``): one plan per set of chosen pairs.
- ``moves``: Choose users and move them between buildings (job ``move_users_building``).
- ``uids``: Remap ``school_uid`` values from an old -> new mapping (job ``remap_school_uids``).
- ``user_changes``: Plan changes for the "Users and families" jobs: user records in, :class:`Change` objects
  out.
- ``user_imports``: Read and plan an SIS users file against a client (job ``import_users``).
- ``user_mapping``: SIS user rows -> Schoology user payloads (jobs ``import_users``, ``change_user_roles``).
- ``year_end``: End-of-year cleanup in three parts of one plan (job ``end_of_year_cleanup``).

The names of ``user_mapping`` are re-exported here, so ``users.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.users.user_mapping import (
    EMAIL_CONFLICT_POLICIES,
    SIS_USER_FIELDS,
    email_conflict_params,
    index_by_school_uid,
    iter_user_payloads,
    role_change_updates,
    sis_user_row,
    user_payload,
    user_payloads,
)

__all__ = [
    "EMAIL_CONFLICT_POLICIES",
    "SIS_USER_FIELDS",
    "birthdays",
    "duplicates",
    "email_conflict_params",
    "identity_keys",
    "index_by_school_uid",
    "iter_user_payloads",
    "lifecycle",
    "merges",
    "moves",
    "role_change_updates",
    "sis_user_row",
    "uids",
    "user_changes",
    "user_imports",
    "user_mapping",
    "user_payload",
    "user_payloads",
    "year_end",
]
