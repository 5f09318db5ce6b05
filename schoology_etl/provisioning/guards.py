"""Guards on what a job removes: a share no plan may pass, and filters a job may not run without.

Every job that deactivates, deletes, unenrolls, unlinks or removes checks the share of
the objects it would remove against a ``max_share`` parameter (defaults a district can
live with), so a truncated file or a wrong filter cannot empty a district.

>>> check_share(3, 100, max_share=0.1, what="group memberships")
>>> check_share(30, 100, max_share=0.1, what="group memberships")
Traceback (most recent call last):
...
schoology_etl.errors.ConfigurationError: 30 of 100 group memberships (30%) would be removed, above the allowed ...
>>> require_filter([], "", False, message="give a file or a filter")
Traceback (most recent call last):
...
schoology_etl.errors.ConfigurationError: give a file or a filter
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schoology_etl.errors import ConfigurationError

DESTRUCTIVE_OPS = ("delete", "deactivate", "unlink")


def check_share(removing: int, of: int, *, max_share: float, what: str, param: str = "max_share") -> None:
    """Raise :class:`ConfigurationError` when ``removing`` of ``of`` objects passes ``max_share`` (0..1)."""
    if not 0 <= float(max_share) <= 1:
        raise ConfigurationError(f"parameter {param!r} must be between 0 and 1, not {max_share!r}")
    if of > 0 and removing / of > float(max_share):
        raise ConfigurationError(
            f"{removing} of {of} {what} ({removing / of:.0%}) would be removed, above the allowed share "
            f"{float(max_share):.0%} (parameter {param!r}): is the file complete? Raise {param} to go ahead")


def removals(changes: Iterable[Any]) -> int:
    """How many changes delete, deactivate or unlink."""
    return sum(1 for c in changes if getattr(c, "op", None) in DESTRUCTIVE_OPS)


def require_filter(*filters: Any, message: str) -> None:
    """Raise :class:`ConfigurationError` with ``message`` unless one of ``filters`` is set."""
    if not any(f is not False and f not in (None, "", [], ()) and (not isinstance(f, str) or f.strip(" ,"))
               for f in filters):
        raise ConfigurationError(message)


def faculty_role_ids(roles: Iterable[dict[str, Any]]) -> list[str]:
    """Ids of staff roles (``faculty`` 1), building roles included: left out unless asked."""
    return [str(r["id"]) for r in roles if str(r.get("faculty", "0")) == "1"]
