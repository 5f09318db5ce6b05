"""Undo: turn a journal into an inverse plan, reviewed and applied like any other.

=========== ===================================================================
applied op  inverse
=========== ===================================================================
update      update back to ``before`` (checked for drift against ``after``)
create      delete the created object (its id from the API's answer)
delete      users: reactivate (Schoology keeps deleted users as inactive);
            other realms cannot be undone (their dependents are gone)
deactivate  reactivate, and the reverse
link        unlink (a link whose ``before`` says ``linked: true`` changed an existing link's
            values: link back to them),
            and the reverse
=========== ===================================================================

A link made to an object the plan created (a new group's member) has no inverse of its
own: deleting the object removes it (:data:`DEPENDENT_LINKS`).

What cannot be undone is listed, with the reason, in the new plan's header
(``extra["cannot_undo"]``) and in :attr:`UndoResult.cannot_undo`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.apply import IN_ORDER
from schoology_etl.plans.journal import APPLIED, read_journal
from schoology_etl.plans.model import CREATE, DEACTIVATE, DELETE, LINK, REACTIVATE, UNLINK, UPDATE, Change
from schoology_etl.plans.plan import Plan
from schoology_etl.plans.writer import PlanWriter

#: Realms whose deleted objects Schoology keeps as inactive (``PUT /users/reactivate``).
REACTIVATABLE = frozenset({"users"})
#: Links that go with the object they belong to: realm -> (the object's realm, the key field naming it).
#: When the undo deletes an object the plan created, the links made to it need no undo of their own.
DEPENDENT_LINKS = {"group_members": ("groups", "group_code")}


@dataclass
class UndoResult:
    """The inverse plan and the applied changes that it cannot reverse."""

    plan: Plan
    cannot_undo: list[dict[str, Any]] = field(default_factory=list)

    def _repr_html_(self) -> str:
        return self.plan._repr_html_()


def inverse_change(entry: dict[str, Any]) -> Change | str:
    """The change that reverses one applied journal entry, or the reason there is none."""
    op, realm, key = entry["op"], entry["realm"], dict(entry.get("key") or {})
    before, after = dict(entry.get("before") or {}), dict(entry.get("after") or {})
    response = entry.get("response") or {}
    if op == UPDATE:
        return Change(0, UPDATE, realm, key, entry.get("id"), after, before)
    if op == CREATE:
        created = response.get("id") or entry.get("current_id")
        if created in (None, ""):
            return "the API did not return the created object's id"
        return Change(0, DELETE, realm, key, created, after, {})
    if op in (DELETE, DEACTIVATE):
        if realm in REACTIVATABLE:
            return Change(0, REACTIVATE, realm, key, entry.get("id"), {}, before)
        return (f"a deleted {realm} object cannot be restored through the API (its dependents are gone); "
                "its last state is in the journal")
    if op == REACTIVATE:
        return Change(0, DEACTIVATE, realm, key, entry.get("id"), after, {})
    if op == LINK and before.get("linked") is True:
        # the link existed with other values (e.g. an enrollment's admin flag): link it back with them
        return Change(0, LINK, realm, key, entry.get("id"), after, before)
    if op == LINK:
        # a link made by id (e.g. an enrollment) is unlinked by the id the API gave it
        return Change(0, UNLINK, realm, key, entry.get("id") or response.get("id"), after, before)
    if op == UNLINK:
        return Change(0, LINK, realm, key, entry.get("id"), after, before)
    return f"no inverse known for {op!r}"


def _applied_in_order(plan_path: Any) -> bool:
    """Whether the plan a journal is of was written to be applied in order (false when it is gone)."""
    try:
        return bool(plan_path) and bool(Plan(Path(plan_path)).header.extra.get(IN_ORDER))
    except (OSError, ConfigurationError):
        return False


def undo_plan(journal: str | os.PathLike[str], path: str | os.PathLike[str], **header: Any) -> UndoResult:
    """Write the plan that reverses every change the journal records as applied.

    Changes are inverted in reverse order of application (last applied, first undone); a
    plan that was applied in order gives an undo plan applied in order too.
    The result is a normal plan: review it, then apply it with :func:`apply_plan`.

    Args:
        journal: the journal of the apply to undo.
        path: where to write the inverse plan.
        **header: ``job``, ``run_id``, ``sample_size`` for the new plan's header.
    """
    jheader, entries = read_journal(journal)
    applied: dict[int, dict[str, Any]] = {}
    for e in entries:
        if e.get("status") == APPLIED:
            applied[int(e["seq"])] = e
    cannot: list[dict[str, Any]] = []
    created = {(e["realm"], str((e.get("key") or {}).get(field)))
               for e in applied.values() if e["op"] == CREATE
               for owner, field in DEPENDENT_LINKS.values() if e["realm"] == owner}
    covered: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"undo_of": {"journal": str(journal), "plan": jheader.get("plan"),
                                         "plan_digest": jheader.get("plan_digest")}}
    if _applied_in_order(jheader.get("plan")):
        extra[IN_ORDER] = True  # its reverse order matters as much (e.g. reactivate before linking back)
    with PlanWriter(path, base_url=jheader.get("base_url"), extra=extra, **header) as writer:
        for seq in sorted(applied, reverse=True):
            entry = applied[seq]
            owner = DEPENDENT_LINKS.get(entry["realm"])
            if owner and entry["op"] == LINK and (owner[0], str((entry.get("key") or {}).get(owner[1]))) in created:
                covered.append({"seq": seq, "key": entry.get("key"), "reason": f"removed with its {owner[0]} object"})
                continue
            inverse = inverse_change(entry)
            if isinstance(inverse, str):
                cannot.append({"seq": seq, "op": applied[seq]["op"], "realm": applied[seq]["realm"],
                               "key": applied[seq].get("key"), "reason": inverse})
            else:
                writer.write(inverse)
        writer.header.extra["cannot_undo"] = cannot
        if covered:
            writer.header.extra["undone_with_their_object"] = covered
    return UndoResult(Plan(Path(path)), cannot)
