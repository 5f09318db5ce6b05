"""The one call a mutating job makes: write its changes as the run's plan.

Under the runner the plan lands in the run's output folder as ``plan.jsonl``, where the
runner finds it, shows it for review and applies exactly it. In JupyterLab it lands in
the current folder and ``plan.apply(client)`` applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schoology_etl.outputs import output_path
from schoology_etl.plans.model import Change
from schoology_etl.plans.plan import Plan
from schoology_etl.plans.writer import PlanWriter

PLAN_FILE = "plan.jsonl"


def _move_aside(plan: Path) -> None:
    """Rename an earlier plan (and its journal) to ``plan.N.jsonl`` so it is kept, never overwritten."""
    n = 1
    while plan.with_name(f"{plan.stem}.{n}{plan.suffix}").exists():
        n += 1
    aside = plan.with_name(f"{plan.stem}.{n}{plan.suffix}")
    journal = plan.with_name(plan.name + ".journal.jsonl")
    if journal.exists():
        journal.rename(aside.with_name(aside.name + ".journal.jsonl"))
    plan.rename(aside)


def write_plan(
    changes: Iterable[Change],
    *,
    client: Any = None,
    job: str | None = None,
    path: str | Path | None = None,
    current_counts: dict[str, int] | None = None,
    names: bool = True,
    extra: dict[str, Any] | None = None,
    in_order: bool = False,
) -> Plan:
    """Stream ``changes`` into a new plan file and return the closed :class:`Plan`.

    Args:
        changes: the changes, e.g. from :func:`schoology_etl.plans.plan_changes`.
        client: the client the plan is for (its base URL is recorded, never credentials).
        job: the job's id, recorded as provenance.
        path: where to write (default ``plan.jsonl`` in :func:`schoology_etl.output_dir`);
            an existing plan is moved aside as ``plan.N.jsonl`` so a re-run in the same
            folder never overwrites a reviewed plan.
        current_counts: realm -> how many objects exist now (sizes the drift reads).
        names: add what a reviewer reads (user names, building, role, section and
            grading period titles) to each change, read from ``client``.
        extra: more header data, e.g. which changes belong to which part of the job.
        in_order: apply the changes strictly in this order (when a later change needs an
            earlier one done, e.g. unlinks before the account is deactivated).
    """
    target = Path(path) if path is not None else output_path(PLAN_FILE)
    if target.exists():
        _move_aside(target)
    base_url = getattr(getattr(client, "credentials", None), "base_url", None) or getattr(client, "base_url", None)
    if names and hasattr(client, "iter_records"):
        from schoology_etl.plans.names import PlanNamer

        changes = PlanNamer(client).name_all(changes)
    if in_order:
        extra = {**(extra or {}), "in_order": True}
    with PlanWriter(target, base_url=base_url, job=job, extra=extra) as writer:
        writer.write_many(changes)
        for realm, count in (current_counts or {}).items():
            writer.note_current(realm, count)
    return Plan(target)
