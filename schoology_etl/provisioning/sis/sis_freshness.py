"""How old an SIS export's files are (job ``fetch_sis_files``): an export that stopped running is refused.

An SIS export that stopped running leaves yesterday's (or last month's) files in place,
and they pass every other check. The SFTP listing's modification time says how old each
file is; a file older than the limit is refused, naming the file, its age and the limit.

>>> import datetime as dt
>>> now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)
>>> file_age({"mtime": int(now.timestamp()) - 90 * 60}, now=now)["age_hours"]
1.5
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, SourceFormatError


def file_age(entry: Mapping[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """``modified`` (UTC ISO time) and ``age_hours`` of a listed file (``mtime`` in epoch seconds).

    Both are ``None`` when the server gives no modification time.
    """
    mtime = entry.get("mtime")
    if mtime is None:
        return {"modified": None, "age_hours": None}
    modified = dt.datetime.fromtimestamp(int(mtime), tz=dt.UTC)
    hours = round((now - modified).total_seconds() / 3600, 1)
    return {"modified": modified.isoformat(timespec="seconds"), "age_hours": hours}


def require_fresh(
    entries: Iterable[Mapping[str, Any]], *, now: dt.datetime, max_age_hours: float, param: str = "max_age_hours"
) -> list[dict[str, Any]]:
    """The age of every entry (``name``, ``where``, ``mtime``); raise when one is older than ``max_age_hours``.

    ``max_age_hours`` 0 turns the check off (ages are still returned). A file whose server
    gives no modification time cannot be shown fresh and is refused too.

    Raises:
        ConfigurationError: ``max_age_hours`` is negative (names ``param``).
        SourceFormatError: the stale files, oldest first, each with its age; ``path`` is the first one's place.
    """
    if max_age_hours < 0:
        raise ConfigurationError(f"{param}: must be 0 (no check) or a number of hours, not {max_age_hours}")
    ages = [{"file": e["name"], "where": e.get("where") or e["name"], **file_age(e, now=now)} for e in entries]
    if not max_age_hours:
        return ages
    stale = [a for a in ages if a["age_hours"] is None or a["age_hours"] > max_age_hours]
    if stale:
        stale.sort(key=lambda a: -(a["age_hours"] if a["age_hours"] is not None else float("inf")))
        said = "; ".join(
            f"{a['file']} last changed {a['modified'].replace('T', ' ').replace('+00:00', ' UTC')}, "
            f"{a['age_hours']:g} hours ago"
            if a["modified"] else f"{a['file']}: the server gives no modification time" for a in stale
        )
        raise SourceFormatError(
            f"the SIS export looks stale (has it stopped running?): {said}; files older than "
            f"{max_age_hours:g} hours ({param}) are refused, nothing was staged",
            path=stale[0]["where"],
        )
    return ages


def require_fresh_listing(
    entries: Iterable[Any],
    *,
    where: Callable[[str], str],
    max_age_hours: float,
    now: dt.datetime | None = None,
    param: str = "max_age_hours",
) -> list[dict[str, Any]]:
    """:func:`require_fresh` for SFTP listing entries (``name``, ``path``, ``mtime`` attributes).

    Args:
        entries: ``SFTPConnection.listdir`` entries.
        where: path -> the place shown in messages (``SFTPConnection.where``).
        max_age_hours, param: as for :func:`require_fresh`.
        now: the current UTC time when not given.
    """
    listed = [{"name": e.name, "where": where(e.path), "mtime": e.mtime} for e in entries]
    return require_fresh(listed, now=now or dt.datetime.now(dt.UTC), max_age_hours=max_age_hours, param=param)
