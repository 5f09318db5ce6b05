"""What a plan is made of: one :class:`Change` per object, and the :class:`PlanHeader`.

A plan file is JSON Lines: the header on the first line, then one change per line.
Changes are plain data; ``before`` holds only the fields the change touches (the whole
object for a delete) and ``after`` the values the change writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from schoology_etl.errors import ConfigurationError

FORMAT = "schoology-etl-plan"
VERSION = 1

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
REACTIVATE = "reactivate"
DEACTIVATE = "deactivate"
LINK = "link"
UNLINK = "unlink"
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
OPERATIONS = (CREATE, UPDATE, DELETE, REACTIVATE, DEACTIVATE, LINK, UNLINK)


@dataclass(frozen=True)
class Change:
    """One planned change to one object.

    Attributes:
        seq: position in the plan, from 1; the journal and resume refer to it.
        op: one of :data:`OPERATIONS`.
        realm: the endpoint the object lives in (``users``, ``sections``...).
        key: the object's stable key, e.g. ``{"school_uid": "S123"}``.
        id: the Schoology id when known (``None`` for a create).
        before: the touched fields as they were at planning (whole object for a delete).
        after: the fields the change writes.
        names: what a person reads, never used to apply: ``{"object": "Ana Li (S1)",
            "values": {field: {id: title}}}`` (see :mod:`schoology_etl.plans.names`).
    """

    seq: int
    op: str
    realm: str
    key: dict[str, Any]
    id: Any = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    names: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATIONS:
            raise ConfigurationError(f"change {self.seq}: unknown operation {self.op!r}; "
                                     f"expected one of {', '.join(OPERATIONS)}")

    @property
    def key_text(self) -> str:
        """The key as ``field=value`` text, for reports and CSV."""
        return ",".join(f"{k}={v}" for k, v in self.key.items())

    def fields(self) -> list[str]:
        """The fields this change touches, in a stable order."""
        return sorted(set(self.before) | set(self.after))

    def to_dict(self) -> dict[str, Any]:
        data = {"seq": self.seq, "op": self.op, "realm": self.realm, "key": self.key, "id": self.id,
                "before": self.before, "after": self.after}
        if self.names:
            data["names"] = self.names
        return data

    def renumbered(self, seq: int) -> Change:
        """The same change at position ``seq``."""
        return Change(seq, self.op, self.realm, self.key, self.id, self.before, self.after, self.names)

    def named(self, names: dict[str, Any]) -> Change:
        """The same change carrying ``names`` for the reviewer."""
        return Change(self.seq, self.op, self.realm, self.key, self.id, self.before, self.after, names)

    def to_json(self) -> str:
        return _ENCODER.encode(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "") -> Change:
        try:
            return cls(
                seq=int(data["seq"]),
                op=str(data["op"]),
                realm=str(data["realm"]),
                key=dict(data.get("key") or {}),
                id=data.get("id"),
                before=dict(data.get("before") or {}),
                after=dict(data.get("after") or {}),
                names=dict(data.get("names") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(f"{where or 'change'}: not a valid change ({exc!r})") from exc


@dataclass
class PlanHeader:
    """The first line of a plan file: where it is for, what it holds, and its checksum.

    ``changes_sha256`` is the SHA-256 of every line after the header; together with the
    header itself it makes :attr:`Plan.digest`, which apply can check against the
    digest that was reviewed.
    """

    created: str
    base_url: str | None = None
    realms: list[str] = field(default_factory=list)
    job: str | None = None
    run_id: Any = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    current_counts: dict[str, int] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    changes_sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "") -> PlanHeader:
        if data.get("format") != FORMAT:
            raise ConfigurationError(f"{where}: line 1 is not a plan header (format {data.get('format')!r})")
        if int(data.get("version", 0)) > VERSION:
            raise ConfigurationError(f"{where}: plan version {data.get('version')} is newer than this library reads "
                                     f"({VERSION})")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def strip_credentials(base_url: str | None) -> str | None:
    """The base URL without any user:password or query string (never store secrets)."""
    if not base_url:
        return base_url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class PlanIntegrityError(ConfigurationError):
    """A plan file is not the one that was reviewed, or was changed after it was closed."""
