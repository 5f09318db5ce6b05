"""Compact tables for the sandbox's big realms: users (active and inactive) and enrollments.

A district of 200,000 students holds over 400,000 users and 800,000 enrollments; as one
dict per record that is well over a gigabyte. These tables keep the same records in a
fraction of that and behave as ``dict[int, dict]`` for reading: every read materialises
a fresh dict with the record's fields in their stored order. A read is a copy, so a
change is made by storing the record again (``table[key] = record``), which is what
:class:`~schoology_sandbox.state.DistrictState`'s mutation methods do.

- :class:`PackedRecords`: each record as one ``marshal`` byte string of its values, its
  field names kept once per distinct set of fields (insertion order kept, as a dict's);
- :class:`EnrollmentTable`: enrollments by column in machine-integer arrays, ordered by
  id (ids are handed out in increasing order, so a new enrollment is appended).
"""

from __future__ import annotations

import marshal
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any


class PackedRecords(MutableMapping[int, dict[str, Any]]):
    """``id -> record`` with each record stored as the marshalled tuple of its values."""

    __slots__ = ("_rows", "_shapes", "_shape_ids")

    def __init__(self, records: Mapping[int, Mapping[str, Any]] | None = None) -> None:
        self._rows: dict[int, bytes] = {}
        self._shapes: list[tuple[str, ...]] = []
        self._shape_ids: dict[tuple[str, ...], int] = {}
        for key, record in (records or {}).items():
            self[key] = record

    def _record(self, packed: bytes) -> dict[str, Any]:
        values = marshal.loads(packed)
        return dict(zip(self._shapes[values[0]], values[1:]))  # noqa: B905 - stored together, same length

    def __getitem__(self, key: int) -> dict[str, Any]:
        return self._record(self._rows[key])

    def get(self, key: object, default: Any = None) -> Any:
        """The record of ``key`` (a fresh dict), or ``default``; any key may be asked, as of a dict."""
        packed = self._rows.get(key)  # type: ignore[call-overload]
        return default if packed is None else self._record(packed)

    def values(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        """Every record (fresh dicts), in insertion order."""
        return map(self._record, list(self._rows.values()))

    def items(self) -> Iterator[tuple[int, dict[str, Any]]]:  # type: ignore[override]
        """Every ``(id, record)``, in insertion order."""
        return ((k, self._record(v)) for k, v in list(self._rows.items()))

    def __setitem__(self, key: int, record: Mapping[str, Any]) -> None:
        shape = tuple(record)
        sid = self._shape_ids.get(shape)
        if sid is None:
            sid = self._shape_ids[shape] = len(self._shapes)
            self._shapes.append(shape)
        try:
            self._rows[key] = marshal.dumps((sid, *record.values()))
        except ValueError as exc:  # marshal takes the JSON types (and tuples); anything else is a sandbox bug
            raise TypeError(f"record {key}: a field holds a value that is not plain data ({exc})") from None

    def __delitem__(self, key: int) -> None:
        del self._rows[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<PackedRecords of {len(self._rows)}>"


class EnrollmentTable(MutableMapping[int, dict[str, Any]]):
    """``enrollment id -> {id, realm, realm_id, uid, admin, status}``, one array per column, in id order.

    A record must carry exactly those fields (``realm`` ``"section"`` or ``"group"``, the
    others integers; ``id`` equal to its key): anything else is refused with a
    :class:`ValueError` naming the field, never stored half.
    """

    FIELDS = ("id", "realm", "realm_id", "uid", "admin", "status")
    REALMS = ("section", "group")
    _REALM_CODE = {"section": 0, "group": 1}

    __slots__ = ("_ids", "_realm", "_realm_id", "_uid", "_admin", "_status", "_live")

    def __init__(self) -> None:
        self._ids = array("q")
        self._realm = array("b")  # index into REALMS; -1: deleted
        self._realm_id = array("q")
        self._uid = array("q")
        self._admin = array("b")
        self._status = array("b")
        self._live = 0

    def _slot(self, eid: object) -> int | None:
        if not isinstance(eid, int) or isinstance(eid, bool):
            return None
        i = bisect_left(self._ids, eid)
        return i if i < len(self._ids) and self._ids[i] == eid else None

    def __getitem__(self, eid: int) -> dict[str, Any]:
        i = self._slot(eid)
        if i is None or self._realm[i] < 0:
            raise KeyError(eid)
        return {"id": self._ids[i], "realm": self.REALMS[self._realm[i]], "realm_id": self._realm_id[i],
                "uid": self._uid[i], "admin": self._admin[i], "status": self._status[i]}

    def _columns(self, eid: int, row: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
        if set(row) != set(self.FIELDS):
            raise ValueError(f"enrollment {eid}: fields must be {', '.join(self.FIELDS)}, not {', '.join(row)}")
        if row["id"] != eid:
            raise ValueError(f"enrollment {eid}: field 'id' is {row['id']!r}")
        if row["realm"] not in self.REALMS:
            raise ValueError(f"enrollment {eid}: field 'realm' must be one of {self.REALMS}, not {row['realm']!r}")
        for name, low, high in (("realm_id", 0, 2**63 - 1), ("uid", 0, 2**63 - 1), ("admin", 0, 1), ("status", 0, 127)):
            value = row[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"enrollment {eid}: field {name!r} must be an integer {low}..{high}, not {value!r}")
        return self.REALMS.index(row["realm"]), row["realm_id"], row["uid"], row["admin"], row["status"]

    def add(self, eid: int, realm: str, realm_id: int, uid: int, admin: int, status: int) -> None:
        """Store a new enrollment with an id above every other (the sandbox's allocator's); checked as a set."""
        if self._ids and eid <= self._ids[-1]:
            self[eid] = {"id": eid, "realm": realm, "realm_id": realm_id, "uid": uid, "admin": admin, "status": status}
            return
        code = self._REALM_CODE.get(realm)
        if code is None or not (0 <= admin <= 1 and 0 <= status <= 127):
            self[eid] = {"id": eid, "realm": realm, "realm_id": realm_id, "uid": uid, "admin": admin, "status": status}
            return  # refused there, naming the field
        self._ids.append(eid)
        self._realm.append(code)
        self._realm_id.append(realm_id)
        self._uid.append(uid)
        self._admin.append(admin)
        self._status.append(status)
        self._live += 1

    def __setitem__(self, eid: int, row: Mapping[str, Any]) -> None:
        realm, realm_id, uid, admin, status = self._columns(eid, row)
        i = self._slot(eid)
        if i is None:
            i = len(self._ids) if not self._ids or eid > self._ids[-1] else bisect_left(self._ids, eid)
            for column, value in ((self._ids, eid), (self._realm, -1), (self._realm_id, 0), (self._uid, 0),
                                  (self._admin, 0), (self._status, 0)):
                column.insert(i, value)
        if self._realm[i] < 0:
            self._live += 1
        self._realm[i], self._realm_id[i], self._uid[i], self._admin[i], self._status[i] = (
            realm, realm_id, uid, admin, status)

    def __delitem__(self, eid: int) -> None:
        i = self._slot(eid)
        if i is None or self._realm[i] < 0:
            raise KeyError(eid)
        self._realm[i] = -1
        self._live -= 1
        if self._live * 2 < len(self._ids) - 1024:  # mostly deleted: drop the holes
            self._compact()

    def _compact(self) -> None:
        keep = [i for i, r in enumerate(self._realm) if r >= 0]
        for name in ("_ids", "_realm", "_realm_id", "_uid", "_admin", "_status"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, (column[i] for i in keep)))

    def ids_of_user(self, uid: int) -> list[int]:
        """The ids of a user's enrollments, oldest first (one vectorised pass over the uid column)."""
        import numpy as np

        if not self._ids:
            return []
        hits = np.flatnonzero((np.frombuffer(self._uid, dtype=np.int64) == uid)
                              & (np.frombuffer(self._realm, dtype=np.int8) >= 0))
        return np.frombuffer(self._ids, dtype=np.int64)[hits].tolist()

    def get(self, eid: object, default: Any = None) -> Any:
        """The enrollment ``eid`` (a fresh dict), or ``default``; any key may be asked, as of a dict."""
        i = self._slot(eid)
        return default if i is None or self._realm[i] < 0 else self[eid]  # type: ignore[index]

    def __contains__(self, eid: object) -> bool:
        i = self._slot(eid)
        return i is not None and self._realm[i] >= 0

    def __iter__(self) -> Iterator[int]:
        ids, realms = self._ids, self._realm
        return (ids[i] for i in range(len(ids)) if realms[i] >= 0)

    def __len__(self) -> int:
        return self._live

    def __repr__(self) -> str:
        return f"<EnrollmentTable of {self._live}>"
