"""What the executioner checks before running anything a store row asks for.

Write access to a shared store must not mean running code with every client's
secrets, so a row is a request, not an instruction: the notebook must be the
catalog's own job of that id, byte for byte the one whose hash was recorded when the
run was requested, and the requester must still be allowed to run it. Otherwise the
run ends ``failed`` with error class ``refused``. The notebook is executed from the
bytes that were checked (a copy in the run's folder), so it cannot change in between.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

VERIFIED_NOTEBOOK = "job.ipynb"


class RunRefused(Exception):
    """The run's row asks for something the executioner will not do; says what and why."""


def verified_notebook(run: dict[str, Any], folder: Path) -> Path:
    """Check the run against the catalog and its requester's access; the checked copy's path.

    Raises:
        RunRefused: not a catalog job, not the catalog's file, another hash, or no access.
    """
    from runner.access import AccessDenied, check_access
    from runner.catalog import Catalog, UnknownJobError
    from schoology_etl.errors import SchoologyETLError

    catalog = Catalog()
    try:
        job = catalog.get(str(run["job_id"]))
    except UnknownJobError:
        raise RunRefused(f"job {run['job_id']!r} is not in the job catalog ({catalog.jobs_dir}); "
                         "nothing was run") from None
    named = run.get("notebook_path")
    if named and Path(named).resolve() != job.path.resolve():
        raise RunRefused(f"the run names the notebook {named}, which is not the catalog's {job.path}; nothing was run")
    data = job.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not run.get("notebook_hash") or digest != run["notebook_hash"]:
        raise RunRefused(f"the notebook of job {job.id!r} is not the one this run was requested for (hash "
                         f"{str(run.get('notebook_hash'))[:12]} recorded, {digest[:12]} now); request the run again")
    try:
        check_access(str(run["requester"]), job.require_header(), job=job.id)
    except AccessDenied as exc:
        raise RunRefused(f"{exc}; nothing was run") from None
    except SchoologyETLError as exc:  # a broken header
        raise RunRefused(f"job {job.id!r} cannot run: {exc}") from None
    copy = folder / VERIFIED_NOTEBOOK
    copy.write_bytes(data)
    return copy


def check_applier(run: dict[str, Any]) -> None:
    """The applier's check of an ``applying`` row: whoever it names must hold the apply role
    and may still run the job (as the dashboard and CLI checked when it was requested).

    Raises:
        RunRefused: naming who and what is missing.
    """
    from runner.access import AccessDenied, check_access
    from runner.catalog import Catalog
    from runner.roles import APPLY, NotAllowedError, require_role
    from schoology_etl.errors import SchoologyETLError

    user = str(run.get("applied_by") or "")
    try:
        require_role(user, APPLY, f"apply the plan of run {run['id']}")
        check_access(user, Catalog().get(str(run["job_id"])).require_header(), job=str(run["job_id"]))
    except (NotAllowedError, AccessDenied) as exc:
        raise RunRefused(f"{exc}; nothing was applied") from None
    except SchoologyETLError as exc:
        raise RunRefused(f"job {run['job_id']!r} cannot be checked: {exc}; nothing was applied") from None
