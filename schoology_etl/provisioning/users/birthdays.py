"""Users' birthdays, from where the API really gives them.

The documented user listing (``GET /users``) has no ``birthday_date``; the CSV export
``GET /csvexport/users`` has a ``birthday`` column (school-wide admins only). Both
readings are handled: when a listing row carries ``birthday_date`` it is kept, otherwise
the export is read once (one request for the whole school) and its birthdays are filled
in by ``uid``. The log says which reading was met.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.provisioning.rows import text

log = logging.getLogger(__name__)


def read_birthdays(client: Any) -> dict[str, str]:
    """``uid -> birthday`` (``YYYY-MM-DD`` as exported; blanks left out) from ``GET /csvexport/users``."""
    found = {
        text(row.get("uid")): text(row.get("birthday"))
        for row in client.iter_records("csvexport_users", fields="uid,birthday")
    }
    return {uid: day for uid, day in found.items() if uid and day}


def with_birthdays(users: Iterable[Mapping[str, Any]], client: Any) -> Iterator[dict[str, Any]]:
    """Copies of ``users`` carrying ``birthday_date``: the listing's own, else the CSV export's.

    Lazy: the export is read at the first user whose row has no ``birthday_date`` key.
    """
    export: dict[str, str] | None = None
    from_listing = 0
    for user in users:
        out = dict(user)
        if "birthday_date" in out:
            from_listing += 1
        else:
            if export is None:
                export = read_birthdays(client)
                log.info("the user listing has no birthday_date: %d birthdays read from csvexport/users", len(export))
            out["birthday_date"] = export.get(text(out.get("uid") or out.get("id")), "")
        yield out
    if from_listing and export is None:
        log.info("birthdays read from the user listing's birthday_date (%d users)", from_listing)


def read_birthdays_compact(client: Any) -> dict[Any, int]:
    """``uid -> YYYYMMDD`` as numbers from ``GET /csvexport/users``, read row by row from the body.

    What a whole-district scan keeps: a number per birthday instead of a dict per exported
    row (uids that are digits are numbers too; blanks and malformed days are left out).
    """
    body = client.request("GET", "csvexport/users", {"fields": "uid,birthday"}, expect="text").data or ""
    reader = csv.reader(io.StringIO(body))
    header = [h.strip() for h in next(reader, [])]
    at_uid, at_day = header.index("uid"), header.index("birthday")
    found: dict[Any, int] = {}
    for row in reader:
        uid, day = text(row[at_uid]), text(row[at_day]).replace("-", "")
        if uid and len(day) == 8 and day.isdigit():
            found[int(uid) if uid.isdigit() else uid] = int(day)
    return found


def with_birthdays_compact(users: Iterable[Mapping[str, Any]], client: Any) -> Iterator[dict[str, Any]]:
    """:func:`with_birthdays` keeping only :func:`read_birthdays_compact` while it streams."""
    export: dict[Any, int] | None = None
    for user in users:
        out = dict(user)
        if "birthday_date" not in out:
            if export is None:
                export = read_birthdays_compact(client)
                log.info("the user listing has no birthday_date: %d birthdays read from csvexport/users", len(export))
            uid = text(out.get("uid") or out.get("id"))
            day = export.get(int(uid) if uid.isdigit() else uid)
            out["birthday_date"] = f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}" if day else ""
        yield out
