"""District files' column maps saved per client and job, so next month's file needs nothing.

A job whose file field declares a ``layout`` (``users``, ``enrollments``...) and that has
a ``column_map`` parameter gets the saved map when the run is created without one
(:func:`fill_saved_map`). Saving a map needs the right to run the job.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from runner.store import ColumnMapRow, changed_rows, session_scope, utcnow
from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.sis.layouts import ColumnMap

MAP_PARAM = "column_map"


def layout_of(header: Any) -> str | None:
    """The kind of district file a job reads (its file field's ``layout``), if it takes a column map."""
    if MAP_PARAM not in header.params:
        return None
    return next((f.layout for f in header.params.values() if getattr(f, "layout", None)), None)


def _job_header(job_id: str, user: str, catalog: Any) -> Any:
    from runner.access import check_access
    from runner.catalog import Catalog

    header = (catalog or Catalog()).get(job_id).require_header()
    check_access(user, header, job=job_id)
    return header


def save_map(client: str, job_id: str, column_map: Any, user: str, *, catalog: Any = None) -> dict[str, Any]:
    """Save ``column_map`` (a :class:`ColumnMap`, dict or JSON text) for ``client`` and ``job_id``.

    Raises:
        AccessDenied: ``user`` may not run the job. ConfigurationError: the job takes no
        map, or the map is not one for the job's kind of file.
    """
    header = _job_header(job_id, user, catalog)
    kind = layout_of(header)
    if kind is None:
        raise ConfigurationError(f"job {job_id!r} takes no column map")
    parsed = ColumnMap.parse(column_map, kind=kind)
    if parsed is None:
        raise ConfigurationError("the column map is empty")
    text = parsed.to_json()
    with session_scope() as s:
        row = s.scalar(sa.select(ColumnMapRow).where(ColumnMapRow.client == client, ColumnMapRow.job_id == job_id))
        if row is None:
            row = ColumnMapRow(client=client, job_id=job_id, map_json=text, saved_by=user)
            s.add(row)
        else:
            row.map_json, row.saved_by, row.saved_at = text, user, utcnow()
    return parsed.to_dict()


def get_map(client: str, job_id: str) -> dict[str, Any] | None:
    """The map saved for ``client`` and ``job_id``, or ``None``."""
    with session_scope() as s:
        row = s.scalar(sa.select(ColumnMapRow).where(ColumnMapRow.client == client, ColumnMapRow.job_id == job_id))
        return json.loads(row.map_json) if row is not None else None


def list_maps() -> list[dict[str, Any]]:
    """Every saved map: client, job, who saved it and when."""
    with session_scope() as s:
        rows = s.scalars(sa.select(ColumnMapRow).order_by(ColumnMapRow.client, ColumnMapRow.job_id)).all()
        return [{"client": r.client, "job": r.job_id, "saved_by": r.saved_by, "saved_at": r.saved_at.isoformat(),
                 "map": json.loads(r.map_json)} for r in rows]


def remove_map(client: str, job_id: str, user: str, *, catalog: Any = None) -> bool:
    """Forget the saved map; False when there was none."""
    _job_header(job_id, user, catalog)
    with session_scope() as s:
        return bool(changed_rows(s.execute(sa.delete(ColumnMapRow).where(ColumnMapRow.client == client,
                                                                        ColumnMapRow.job_id == job_id))))


def fill_saved_map(header: Any, job_id: str, client: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the saved map as ``column_map`` when the job takes one and none was given."""
    if layout_of(header) is None or params.get(MAP_PARAM) not in (None, ""):
        return params
    saved = get_map(client, job_id)
    return params if saved is None else {**params, MAP_PARAM: json.dumps(saved, sort_keys=True)}
