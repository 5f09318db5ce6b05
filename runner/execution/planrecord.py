"""A mutating job's plan on its run: found in the output folder, summarised, recorded.

The notebook writes ``plan.jsonl`` into its output folder (``se.write_plan``); the runner
records on the run where the plan is, its digest (what the reviewer sees and what apply
insists on) and its summary (``plan_counts``: ``total`` and ``counts`` by realm and
operation). After an apply, ``journal_counts`` sums up the journal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schoology_etl.plans import Plan
from schoology_etl.plans.journal import APPLIED, DRIFTED, FAILED, OUTCOMES, PENDING, UNCHANGED, read_journal

PLAN_FILE = "plan.jsonl"
JOURNAL_SUFFIX = ".journal.jsonl"


def find_plan(outputs_dir: Path) -> Path | None:
    """The plan the notebook left in its output folder, if any."""
    path = outputs_dir / PLAN_FILE
    return path if path.is_file() else None


def journal_path_for(plan_path: str | Path) -> Path:
    """``<plan>.journal.jsonl`` next to the plan (the library's default place)."""
    plan_path = Path(plan_path)
    return plan_path.with_name(plan_path.name + JOURNAL_SUFFIX)


def plan_counts(plan: Plan | None) -> dict[str, Any]:
    """The plan's summary as stored on the run (``total``, ``counts``, ``cannot_undo``)."""
    if plan is None:
        return {"total": 0, "counts": {}, "cannot_undo": 0}
    return {"total": plan.header.total, "counts": plan.header.counts,
            "cannot_undo": len(plan.header.extra.get("cannot_undo") or [])}


def plan_fields(plan_path: Path) -> dict[str, Any]:
    """Run columns for a plan file: path, digest and counts (the digest is of the file as it is now)."""
    plan = Plan(plan_path)
    return {"plan_path": str(plan_path), "plan_digest": plan.verify(), "plan_counts": plan_counts(plan)}


def summarize_journal(path: str | Path) -> dict[str, int]:
    """Each change's latest state in the journal, counted (applied, drifted, failed, unchanged, pending)."""
    latest: dict[int, str] = {}
    if Path(path).is_file():
        _, entries = read_journal(path)
        for entry in entries:
            seq, status = int(entry["seq"]), entry["status"]
            if status in OUTCOMES or (status == PENDING and seq not in latest):
                latest[seq] = status
    states = list(latest.values())
    return {"applied": states.count(APPLIED), "skipped_drifted": states.count(DRIFTED),
            "failed": states.count(FAILED), "unchanged": states.count(UNCHANGED), "pending": states.count(PENDING)}


def failed_changes(path: str | Path) -> list[dict[str, Any]]:
    """The changes whose latest outcome in the journal is ``failed``, in plan order: ``seq``,
    ``op``, ``realm``, ``key`` (``field=value`` text), ``code`` and the API's ``message``."""
    latest: dict[int, dict[str, Any]] = {}
    if Path(path).is_file():
        _, entries = read_journal(path)
        for entry in entries:
            if entry["status"] in OUTCOMES:
                latest[int(entry["seq"])] = entry
    failed = []
    for seq in sorted(latest):
        entry = latest[seq]
        if entry["status"] != FAILED:
            continue
        response = entry.get("response") or {}
        key = entry.get("key") or {}
        failed.append({"seq": seq, "op": entry.get("op"), "realm": entry.get("realm"),
                       "key": ",".join(f"{k}={v}" for k, v in key.items()) if isinstance(key, dict) else str(key),
                       "code": response.get("response_code"), "message": response.get("message")})
    return failed


def describe_failed_change(change: dict[str, Any]) -> str:
    """``change 2 (create users school_uid=S1): 409 Email address ... is already in use``."""
    reply = " ".join(str(p) for p in (change["code"], change["message"]) if p not in (None, "")) or "no message"
    return f"change {change['seq']} ({change['op']} {change['realm']} {change['key']}): {reply}"
