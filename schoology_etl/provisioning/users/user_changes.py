"""Plan changes for the "Users and families" jobs: user records in, :class:`Change` objects out.

The other provisioning modules compute *what* should change (``users``, ``lifecycle``,
``families``, ``moves``, ``associations``, ``uids``); this one turns their output into the
changes a job writes into its plan (``se.write_plan``), with the realm, operation, key
and ``before``/``after`` that apply and undo expect:

=============================== ========================= ====================================
job                             realm / op                key
=============================== ========================= ====================================
``import_users``                users create / update     ``school_uid``
``deactivate_missing_users``    users delete              ``school_uid`` (kept enrollments)
``reactivate_users``            users reactivate          ``school_uid``
``remap_school_uids``           users update              ``uid`` (the school_uid changes)
``import_parent_associations``  parent_associations       ``student_school_uid``,
                                link / unlink             ``parent_school_uid``
=============================== ========================= ====================================

Nothing here talks to the network or mutates its input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.plans.diff import plan_changes, same_value
from schoology_etl.plans.model import DELETE, LINK, REACTIVATE, UNLINK, UPDATE, Change
from schoology_etl.plans.targets import QUERY_FLAGS
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import line_of, required, split_ids, text, where
from schoology_etl.provisioning.users.lifecycle import reactivation_items
from schoology_etl.provisioning.users.user_mapping import SIS_USER_FIELDS, email_conflict_params

log = logging.getLogger(__name__)

#: The ``import_users`` job's email-conflict choices -> policies of :mod:`.users`.
EMAIL_CONFLICT_CHOICES = {
    "fail": "fail",
    "ignore_conflicts": "ignore",
    "username_only": "username",
    "merge_verified": "merge",
}

REACTIVATION_NEEDS_A_CHOICE = ("users_csv is empty and no filter is set: give a file, roles or graduation years, "
                               "or tick all_inactive; reactivating every inactive user is never the default")
"""``reactivate_users``' refusal when neither a file nor a filter chooses whom to reactivate."""


#: The ``move_users_building`` job's modes -> modes of :func:`.moves.building_move_updates`.
MOVE_MODES = {"primary": "primary", "add_additional": "additional", "remove_additional": "remove"}

_LINE_PREFIX = re.compile(r"^line \d+: ")


def _uid(user: Mapping[str, Any]) -> str:
    return text(user.get("uid") or user.get("id"))


@contextmanager
def naming_file(path: Any) -> Iterator[None]:
    """Re-raise a :class:`RecordError` about input rows as a :class:`SourceFormatError` naming ``path`` and the line."""
    try:
        yield
    except SourceFormatError:
        raise
    except RecordError as exc:
        message = _LINE_PREFIX.sub("", str(exc.args[0]) if exc.args else str(exc))
        line = line_of(exc.index) if exc.index is not None else None
        raise SourceFormatError(message, path=str(path), line=line, step=exc.step, index=exc.index,
                                record=exc.record) from exc


def require_rows(rows: Iterable[Any], path: Any) -> None:
    """Raise :class:`SourceFormatError` when a CSV file holds a header but no data rows.

    ``rows`` is a list or a re-iterable source (only its first row is read).
    """
    if (not rows) if isinstance(rows, Sequence) else next(iter(rows), None) is None:
        raise SourceFormatError("the file has no data rows (only a header)", path=str(path), line=2)


def resolve_param(lookup: Lookup, value: Any, param: str) -> str:
    """The id for a job parameter's value (a building code, a role title).

    A value the lookup does not know raises a :class:`ConfigurationError` naming the parameter.
    """
    problem = lookup.problem(value)
    if problem is not None:
        raise ConfigurationError(f"parameter {param!r}: {problem}")
    return lookup.get(value) or ""


def select_users_to_move(
    users: Iterable[Mapping[str, Any]],
    *,
    role_ids: Iterable[Any] | None = None,
    grad_years: Any = None,
    building_ids: Iterable[Any] | None = None,
    school_uids: Sequence[Any] | None = None,
) -> list[dict[str, Any]]:
    """The users a building move applies to; refuses no criterion, unknown listed school_uids, or an empty selection.

    ``grad_years`` may be a comma-separated text; ``school_uids`` come from a CSV (an
    unknown one is named by its file line).
    """
    from schoology_etl.provisioning.users.moves import select_users

    users = list(users)
    years = split_ids(grad_years)
    criteria = [c for c in (list(role_ids or ()), years, list(building_ids or ()), list(school_uids or ())) if c]
    if not criteria:
        raise ConfigurationError("choose the users to move: by role, graduation year, building or a CSV of school_uids")
    known = {text(u.get("school_uid")) for u in users}
    for i, value in enumerate(school_uids or ()):
        if text(value) not in known:
            raise RecordError(f"{where(i)}: column 'school_uid': no active user with school_uid {text(value)!r}",
                              step="select_users", index=i)
    chosen = select_users(users, role_ids=role_ids, grad_years=years, school_uids=school_uids,
                          building_ids=building_ids)
    if not chosen:
        raise ConfigurationError(
            "no user matches the chosen roles, graduation years, building and list; nothing to move")
    return chosen


def email_conflict_flags(choice: str) -> dict[str, int]:
    """``POST /users`` query flags for one of :data:`EMAIL_CONFLICT_CHOICES`."""
    if choice not in EMAIL_CONFLICT_CHOICES:
        raise ConfigurationError(f"email_conflicts must be one of {', '.join(EMAIL_CONFLICT_CHOICES)}, not {choice!r}")
    return email_conflict_params(EMAIL_CONFLICT_CHOICES[choice])


def sis_user_changes(
    payloads: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    *,
    email_conflicts: str = "fail",
    inactive_users: Iterable[Mapping[str, Any]] = (),
    reenroll: bool = False,
) -> list[Change]:
    """Creates for unknown ``school_uid`` values, reactivations for returning users, field-by-field updates.

    Only :data:`~schoology_etl.provisioning.users.user_mapping.SIS_USER_FIELDS` present in a payload
    are compared (a blank SIS cell means "no value given"). Creates carry the
    email-conflict policy's query flags (see :data:`~schoology_etl.plans.targets.QUERY_FLAGS`).

    A row whose ``school_uid`` no active user holds but an inactive one does (a returning
    student) is planned as a reactivation of that account, exactly as ``reactivate_users``
    plans one (:func:`.lifecycle.reactivation_items`, :func:`reactivation_changes`:
    ``PUT /users/reactivate`` with ``uid`` and ``option_reenroll``; ``reenroll`` restores
    the old enrollments), never as a second account; the fields it changes are planned by
    the next run, once it is active.
    """
    flags = email_conflict_flags(email_conflicts)
    current = [u for u in users if text(u.get("school_uid"))]
    active = {text(u.get("school_uid")) for u in current}
    returning = {text(u.get("school_uid")): u for u in inactive_users if text(u.get("school_uid")) not in active | {""}}
    payloads = list(payloads)
    changes = []
    for change in plan_changes([p for p in payloads if text(p.get("school_uid")) not in returning], current,
                               realm="users", key="school_uid", fields=SIS_USER_FIELDS):
        if change.op != UPDATE and flags:
            change = Change(change.seq, change.op, change.realm, change.key, change.id, change.before,
                            {**change.after, QUERY_FLAGS: flags})
        changes.append(change)
    back = [{"school_uid": text(p.get("school_uid"))} for p in payloads if text(p.get("school_uid")) in returning]
    items = reactivation_items(returning.values(), back, reenroll=reenroll)  # as reactivate_users plans them
    changes += [replace(c, seq=len(changes) + c.seq) for c in reactivation_changes(items)]
    return changes


def email_clashes(payloads: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Payloads that would give a user an email another active user of the school holds (ignoring case).

    A user already holding that email (seeded near-duplicates may share one) is not a clash.

    Such a write fails (409) under every policy but ``username_only``, which drops the
    email. Accounts of other schools are not visible here; apply reports those.

    Returns:
        ``{school_uid, primary_email, held_by}`` per clashing payload, in input order.
    """
    users = list(users)
    holders: dict[str, str] = {}
    for user in users:
        email = text(user.get("primary_email")).casefold()
        if email:
            holders.setdefault(email, text(user.get("school_uid")))
    current = {text(u.get("school_uid")): text(u.get("primary_email")).casefold() for u in users}
    clashes = []
    for p in payloads:
        school_uid, email = text(p.get("school_uid")), text(p.get("primary_email"))
        holder = holders.get(email.casefold())
        if email and holder and holder != school_uid and current.get(school_uid) != email.casefold():
            clashes.append({"school_uid": school_uid, "primary_email": email, "held_by": holder})
    return clashes


def update_changes(
    updates: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    *,
    fields: Iterable[str],
    shown: Iterable[str] = (),
) -> list[Change]:
    """Updates of ``fields`` for update records (``uid`` or ``school_uid``, plus new values) against current users.

    A record is matched on its ``uid`` when it has one, else on its ``school_uid``; one
    naming no current user is refused (never turned into a create). Changes are keyed by
    ``school_uid``, or by ``uid`` for a user without one. A user whose ``fields`` all hold
    already gets no change. ``shown`` fields are put in ``before``/``after`` of every change
    even when they keep their value, so a reviewer sees them side by side (e.g.
    ``building_id`` next to ``additional_buildings``).
    """
    users = list(users)
    by_uid = {_uid(u): u for u in users}
    by_school_uid = {text(u.get("school_uid")): u for u in users if text(u.get("school_uid"))}
    fields, shown = list(fields), list(shown)
    changes: list[Change] = []
    for i, record in enumerate(updates):
        user = by_uid.get(_uid(record)) if _uid(record) else by_school_uid.get(text(record.get("school_uid")))
        if user is None:
            name = f"uid {_uid(record)!r}" if _uid(record) else f"school_uid {record.get('school_uid')!r}"
            raise RecordError(f"no user with {name} to update", step="update_changes", index=i, record=dict(record))
        differ = [f for f in fields if f in record and not same_value(user.get(f), record[f])]
        if not differ:
            continue
        touched = differ + [f for f in shown if f in record and f not in differ]
        school_uid = text(user.get("school_uid"))
        key = {"school_uid": school_uid} if school_uid else {"uid": _uid(user)}
        changes.append(Change(len(changes) + 1, UPDATE, "users", key, user.get("id", _uid(user)),
                              {f: user.get(f) for f in touched}, {f: record[f] for f in touched}))
    return changes


def deactivation_changes(
    gone: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]] | None = None
) -> list[Change]:
    """Deletes (deactivations keeping enrollments) for the users of :func:`.lifecycle.missing_users`.

    ``before`` holds the whole current user (from ``users``; without ``users``, ``gone``
    must be whole records, as :attr:`.lifecycle.MissingUsers.gone` are), so undo
    reactivates it and apply skips a user changed since planning.
    """
    by_uid = {_uid(u): u for u in users} if users is not None else {}
    changes = []
    for n, record in enumerate(gone, 1):
        user = by_uid.get(_uid(record), record)
        key = {"school_uid": text(user.get("school_uid"))}
        changes.append(Change(n, DELETE, "users", key, _uid(user), dict(user), {}))
    return changes


def select_inactive(
    inactive: Iterable[Mapping[str, Any]],
    *,
    role_ids: Iterable[Any] | None = None,
    grad_years: Iterable[Any] | None = None,
) -> list[dict[str, Any]]:
    """Copies of the inactive users in ``role_ids`` and ``grad_years`` (empty: no filter), with a school_uid.

    The documented ``GET /users/inactive`` rows carry no role and no graduation year
    (only ``uid``, ``name``, ``school_uid``, ``synced`` and the deactivation stamp), so a
    filter on either is refused with :class:`ConfigurationError` unless the rows do carry
    the field; the log says which of the two readings was met.

    Raises:
        ConfigurationError: a role or grad-year filter on rows that do not carry that field.
    """
    inactive = list(inactive)
    roles = {text(r) for r in role_ids or ()} - {""}
    years = {text(y) for y in grad_years or ()} - {""}
    for wanted, field_name, label in ((roles, "role_id", "roles"), (years, "grad_year", "grad_years")):
        if not wanted or not inactive:
            continue
        if any(field_name not in u for u in inactive):
            raise ConfigurationError(
                f"{label}: the inactive users listing (GET /users/inactive) does not say a user's {field_name}, "
                f"so inactive users cannot be chosen by {label}; leave {label} empty, or list the school_uids "
                "to reactivate in a CSV file"
            )
        log.info("the inactive users listing carries %s: filtering by %s", field_name, label)
    return [
        dict(u) for u in inactive
        if text(u.get("school_uid"))
        and (not roles or text(u.get("role_id")) in roles)
        and (not years or text(u.get("grad_year")) in years)
    ]


def reactivation_changes(items: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Reactivations for :func:`.lifecycle.reactivation_items` (``uid``, ``school_uid``, ``option_reenroll``)."""
    return [
        Change(n, REACTIVATE, "users", {"school_uid": item["school_uid"]}, text(item["uid"]), {},
               {"option_reenroll": int(item.get("option_reenroll", 0))})
        for n, item in enumerate(items, 1)
    ]


def remap_changes(updates: Iterable[Mapping[str, Any]]) -> list[Change]:
    """``school_uid`` updates for :func:`.uids.school_uid_remap_updates`, keyed by ``uid`` (the old value goes away)."""
    return [
        Change(n, UPDATE, "users", {"uid": text(u["uid"])}, text(u["uid"]), {"school_uid": u["old_school_uid"]},
               {"school_uid": u["school_uid"]})
        for n, u in enumerate(updates, 1)
    ]


def parent_links(users: Iterable[Mapping[str, Any]], *, client: Any = None) -> set[tuple[str, str]]:
    """``(student_school_uid, parent_school_uid)`` pairs linked now.

    Read from the parents' ``child_uids`` (the documented, readable side; ``parent_uids``
    is write-only and used only when a listing does carry it). With ``client``, parents
    whose listing row has no ``child_uids`` key are read one by one (see
    :func:`.families.with_child_uids`).
    """
    from schoology_etl.provisioning.families.parent_buildings import children_by_parent, with_child_uids

    users = with_child_uids(users, client) if client is not None else list(users)
    school_uid = {_uid(u): text(u.get("school_uid")) for u in users}
    pairs = set()
    for parent, children in children_by_parent(users).items():
        for child in children:
            if school_uid.get(parent) and school_uid.get(child):
                pairs.add((school_uid[child], school_uid[parent]))
    return pairs


def check_association_rows(rows: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> None:
    """Raise :class:`RecordError` naming the line and column of a school_uid no active user holds."""
    known = {text(u.get("school_uid")) for u in users} - {""}
    for i, row in enumerate(rows):
        for column in ("student_school_uid", "parent_school_uid"):
            value = required(row, column, index=i, step="associations")
            if value not in known:
                raise RecordError(f"{where(i)}: column {column!r}: no active user with school_uid {value!r}",
                                  step="associations", index=i, record=dict(row))


def association_changes(items: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Links and unlinks for :func:`.associations.association_items` (``delete: "1"`` unlinks)."""
    changes = []
    for n, item in enumerate(items, 1):
        key = {"student_school_uid": item["student_school_uid"], "parent_school_uid": item["parent_school_uid"]}
        unlink = text(item.get("delete")) == "1"
        changes.append(Change(n, UNLINK if unlink else LINK, "parent_associations", key, None,
                              {"linked": unlink}, {"linked": not unlink}))
    return changes
