"""A whole district's ``uid -> school_uid`` in a few bytes a user (job ``reconcile_sis_with_schoology``).

Joining Schoology's enrollments or parent links (which name users by ``uid``) to an SIS
file (which names them by ``school_uid``) needs every user's pair. A dict of strings
costs about 200 bytes a user. :class:`SchoolUidIndex` keeps numeric uids (what Schoology
hands out) in one sorted integer array beside a list of the ``school_uid`` strings, about
70 bytes a user, and looks a uid up by bisection; any other uid goes to a small dict.

>>> index = SchoolUidIndex.build([{"uid": 12, "school_uid": "S12"}, {"uid": "7", "school_uid": "S7"},
...                               {"uid": 9, "school_uid": ""}])
>>> index.get("7"), index.get(12), index.get(9), len(index)
('S7', 'S12', None, 2)
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.provisioning.rows import text


def uid_number(uid: Any) -> int | None:
    """A uid as an integer, or None when it is not a plain number."""
    value = text(uid)
    return int(value) if value.isdigit() and len(value) < 19 else None


class SchoolUidIndex(Mapping[str, str]):
    """``uid -> school_uid`` of the users that have one (a read-only mapping; uids as text)."""

    def __init__(self) -> None:
        self._uids = array("q")
        self._school_uids: list[str] = []
        self._other: dict[str, str] = {}
        self._ordered = True

    @classmethod
    def build(cls, users: Iterable[Mapping[str, Any]]) -> SchoolUidIndex:
        """The index of ``users`` (``uid`` or ``id``, ``school_uid``); users without a school_uid are left out."""
        index = cls()
        for user in users:
            index.add(user.get("uid") or user.get("id"), text(user.get("school_uid")))
        index.freeze()
        return index

    def add(self, uid: Any, school_uid: str) -> None:
        """Add one user (call :meth:`freeze` before looking up)."""
        if not school_uid:
            return
        number = uid_number(uid)
        if number is None:
            self._other[text(uid)] = school_uid
            return
        if self._uids and number <= self._uids[-1]:
            self._ordered = False
        self._uids.append(number)
        self._school_uids.append(school_uid)

    def freeze(self) -> None:
        """Sort by uid (a listing in uid order needs nothing); a repeated uid keeps its last school_uid."""
        if self._ordered:
            return
        order = sorted(range(len(self._uids)), key=self._uids.__getitem__)
        uids, school_uids = array("q"), list[str]()
        for i in order:
            if uids and uids[-1] == self._uids[i]:
                school_uids[-1] = self._school_uids[i]
                continue
            uids.append(self._uids[i])
            school_uids.append(self._school_uids[i])
        self._uids, self._school_uids, self._ordered = uids, school_uids, True

    def get(self, uid: Any, default: Any = None) -> Any:
        number = uid_number(uid)
        if number is None:
            return self._other.get(text(uid), default)
        i = bisect_left(self._uids, number)
        return self._school_uids[i] if i < len(self._uids) and self._uids[i] == number else default

    def __getitem__(self, uid: str) -> str:
        found = self.get(uid)
        if found is None:
            raise KeyError(uid)
        return str(found)

    def __contains__(self, uid: object) -> bool:
        return self.get(uid) is not None

    def __iter__(self) -> Iterator[str]:
        yield from (str(n) for n in self._uids)
        yield from self._other

    def __len__(self) -> int:
        return len(self._uids) + len(self._other)

    def values(self) -> Iterator[str]:  # type: ignore[override]
        """Every school_uid (no lookups)."""
        yield from self._school_uids
        yield from self._other.values()
