"""Read and plan an SIS users file against a client (job ``import_users``).

:func:`read_user_rows` reads the file (any layout, through a column map) and refuses one
without data rows; :func:`require_valid_user_rows` checks every row against the client's
roles and buildings; :func:`plan_user_import` reads the client's users (active with their
birthdays, and inactive ones) and turns the rows into the plan's changes
(:func:`.user_changes.sis_user_changes`), listing emails another user already holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schoology_etl.plans.model import Change
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.sis.layouts import InputRows, read_input
from schoology_etl.provisioning.sis.sis_specs import USERS
from schoology_etl.provisioning.sis.sis_validation import require_valid_rows
from schoology_etl.provisioning.users.birthdays import with_birthdays
from schoology_etl.provisioning.users.user_changes import email_clashes, naming_file, require_rows, sis_user_changes
from schoology_etl.provisioning.users.user_mapping import user_payloads


def read_user_rows(path: Any, *, column_map: Any = None, roles: Lookup, buildings: Lookup) -> InputRows:
    """The rows of an SIS users file in our layout, role and school values resolved (see :func:`.layouts.read_input`).

    Raises:
        SourceFormatError: a required column is missing, or the file has no data rows; names ``path``.
    """
    rows = read_input(path, "users", column_map=column_map, roles=roles, buildings=buildings)
    require_rows(rows, path)
    return rows


def require_valid_user_rows(
    rows: Sequence[dict[str, Any]],
    *,
    path: Any,
    roles: Lookup,
    buildings: Lookup,
    show: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> None:
    """Check every row as Schoology's import would; ``show`` gets every problem before the first is raised.

    Raises:
        SourceFormatError: the first problem, naming ``path``, the line, the column and the value.
    """
    require_valid_rows(rows, USERS, path=path, show=show, roles=roles, buildings=buildings)


@dataclass
class UserImport:
    """What :func:`plan_user_import` planned.

    Attributes:
        users: the client's active users (with ``birthday_date``), as compared.
        clashes: ``{school_uid, primary_email, held_by}`` for emails another active user holds.
        changes: creates, updates and reactivations, for ``se.write_plan``.
    """

    users: list[dict[str, Any]]
    clashes: list[dict[str, Any]]
    changes: list[Change]


def plan_user_import(
    client: Any,
    rows: Sequence[dict[str, Any]],
    *,
    path: Any,
    roles: Lookup,
    buildings: Lookup,
    email_conflicts: str = "fail",
) -> UserImport:
    """The changes that make the client's users match the rows, matched on ``school_uid``.

    Args:
        client: a ``SchoologyClient``.
        rows: the file's rows (:func:`read_user_rows`).
        path: the file, named in errors.
        roles, buildings: the client's role titles and building codes.
        email_conflicts: one of :data:`.user_changes.EMAIL_CONFLICT_CHOICES`.

    Raises:
        SourceFormatError: a row that cannot become a user, naming ``path`` and its line.
        ConfigurationError: an unknown ``email_conflicts`` choice.
    """
    with naming_file(path):
        payloads = user_payloads(rows, roles=roles, buildings=buildings)
    users = list(with_birthdays(client.iter_records("users"), client))  # the listing has no birthday
    clashes = email_clashes(payloads, users)
    changes = sis_user_changes(payloads, users, email_conflicts=email_conflicts,
                               inactive_users=client.iter_records("users_inactive"))
    return UserImport(users=users, clashes=clashes, changes=changes)
