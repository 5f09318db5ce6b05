"""SIS user rows -> Schoology user payloads (jobs ``import_users``, ``change_user_roles``).

Role by title and building by code are resolved through :mod:`.lookups`; an unknown
value raises :class:`~schoology_etl.errors.RecordError` naming the line, the column and
the value. Payloads use the API's field names, so they can be compared with current users
(:mod:`.reconcile`) and posted with ``update_existing=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import join_ids, required, split_ids, text, where
from schoology_etl.provisioning.sis.sis_specs import split_list

#: Email-conflict policy -> query flags for ``POST /users``.
EMAIL_CONFLICT_POLICIES: dict[str, dict[str, int]] = {
    "fail": {},
    "ignore": {"ignore_email_conflicts": 1},
    "username": {"email_conflict_resolution": 1},
    "merge": {"email_conflict_resolution": 2},
}

#: User fields an SIS file can set, compared field by field when reconciling.
SIS_USER_FIELDS = (
    "name_first",
    "name_middle",
    "name_last",
    "primary_email",
    "username",
    "role_id",
    "building_id",
    "additional_buildings",
    "grad_year",
    "birthday_date",
)

_COPIED = ("name_first", "name_middle", "name_last", "primary_email", "username", "grad_year", "birthday_date")


def email_conflict_params(policy: str) -> dict[str, int]:
    """The ``POST /users`` query flags for an email-conflict policy (see :data:`EMAIL_CONFLICT_POLICIES`)."""
    try:
        return dict(EMAIL_CONFLICT_POLICIES[policy])
    except KeyError:
        raise ConfigurationError(
            f"email conflict policy must be one of {sorted(EMAIL_CONFLICT_POLICIES)}, not {policy!r}"
        ) from None


def user_payload(
    row: Mapping[str, Any], *, roles: Lookup, buildings: Lookup, index: int | None = None
) -> dict[str, Any]:
    """One SIS ``users`` row as a ``POST /users`` item.

    Required columns: ``school_uid``, ``name_first``, ``name_last``, ``role`` (title),
    ``building_code``. Optional ones are copied when not blank; ``additional_building_codes``
    (``;`` or ``,`` separated) becomes ``additional_buildings``.
    """
    step = "user_payload"
    payload: dict[str, Any] = {"school_uid": required(row, "school_uid", index=index, step=step)}
    payload["role_id"] = roles.resolve(required(row, "role", index=index, step=step), index=index, field="role")
    payload["building_id"] = buildings.resolve(
        required(row, "building_code", index=index, step=step), index=index, field="building_code"
    )
    for name in ("name_first", "name_last"):
        payload[name] = required(row, name, index=index, step=step)
    for name in _COPIED:
        if name not in payload and text(row.get(name)):
            payload[name] = text(row.get(name))
    if not payload.get("primary_email") and not payload.get("username"):
        raise RecordError(
            f"{where(index)}: school_uid {payload['school_uid']!r} has neither primary_email nor username",
            step=step,
            index=index,
            record=dict(row),
        )
    extra = split_list(row.get("additional_building_codes"))
    if extra:
        ids = [buildings.resolve(c, index=index, field="additional_building_codes") for c in extra]
        payload["additional_buildings"] = join_ids(i for i in dict.fromkeys(ids) if i != payload["building_id"])
    return payload


def user_payloads(rows: Iterable[Mapping[str, Any]], *, roles: Lookup, buildings: Lookup) -> list[dict[str, Any]]:
    """Every row of an SIS ``users`` file as a payload; raise on the first bad row."""
    return list(iter_user_payloads(rows, roles=roles, buildings=buildings))


def iter_user_payloads(
    rows: Iterable[Mapping[str, Any]], *, roles: Lookup, buildings: Lookup
) -> Iterator[dict[str, Any]]:
    """:func:`user_payloads` one row at a time (raises at the first bad row it reaches)."""
    for i, row in enumerate(rows):
        yield user_payload(row, roles=roles, buildings=buildings, index=i)


def index_by_school_uid(users: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``school_uid -> user`` for users that have one (copies)."""
    return {text(u.get("school_uid")): dict(u) for u in users if text(u.get("school_uid"))}


def role_change_updates(
    rows: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]], *, roles: Lookup
) -> list[dict[str, Any]]:
    """``PUT /users`` items for rows of ``school_uid, role``; rows already in that role are left out.

    Raises:
        RecordError: a row names an unknown school_uid or role title.
    """
    by_uid = index_by_school_uid(users)
    updates = []
    for i, row in enumerate(rows):
        school_uid = required(row, "school_uid", index=i, step="role_change")
        role_id = roles.resolve(required(row, "role", index=i, step="role_change"), index=i, field="role")
        user = by_uid.get(school_uid)
        if user is None:
            raise RecordError(
                f"{where(i)}: column 'school_uid': no user with school_uid {school_uid!r}",
                step="role_change",
                index=i,
                record=dict(row),
            )
        if text(user.get("role_id")) != role_id:
            uid = text(user.get("uid") or user.get("id"))
            updates.append({"id": uid, "uid": uid, "school_uid": school_uid, "role_id": role_id})
    return updates


def sis_user_row(user: Mapping[str, Any], *, roles: Lookup, buildings: Lookup) -> dict[str, Any]:
    """An API user as a row of the SIS ``users`` file (job ``export_users``): the inverse of :func:`user_payload`.

    Ids with no known title or code are written as ``""``.
    """
    extra = [buildings.name_for(b) or "" for b in split_ids(user.get("additional_buildings"))]
    return {
        "school_uid": text(user.get("school_uid")),
        "name_first": text(user.get("name_first")),
        "name_middle": text(user.get("name_middle")),
        "name_last": text(user.get("name_last")),
        "primary_email": text(user.get("primary_email")),
        "username": text(user.get("username")),
        "role": roles.name_for(user.get("role_id")) or "",
        "building_code": buildings.name_for(user.get("building_id")) or "",
        "additional_building_codes": ";".join(c for c in extra if c),
        "grad_year": text(user.get("grad_year")),
        "birthday_date": text(user.get("birthday_date")),
    }
