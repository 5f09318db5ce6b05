"""Every exception the library raises, in one tree.

::

    SchoologyETLError
    ├── ConfigurationError            a profile, parameter or option is wrong; fix the input
    ├── TransientError                retried automatically; raised only when retries run out
    │   ├── RateLimitedError          429 (carries retry_after)
    │   ├── ServerError               5xx
    │   └── NetworkError              connection refused, reset, timed out, DNS
    ├── FatalError                    never retried
    │   ├── AuthenticationError       401: bad key, bad signature, reused nonce
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── BadRequestError           400 and other 4xx
    │   └── ResponseFormatError       a body that is not the JSON the API promises (HTML from the edge...)
    ├── BulkPartialError              some items of a bulk write failed; carries every item's result
    ├── RecordError                   a record could not pass a step; carries step, index and record
    │   └── SourceFormatError         a malformed input row; carries file (or table) and line
    └── ConnectorError                SQL / SFTP problems; names host and path or table

HTTP-level errors carry ``status``, ``method`` and ``url`` (query strings with
``oauth_*`` values removed). Library exceptions never expose ``requests`` or
``aiohttp`` types; the original is kept as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SchoologyETLError(Exception):
    """Base of every error raised by :mod:`schoology_etl`."""


class ConfigurationError(SchoologyETLError):
    """A profile, parameter or option is missing or invalid."""


class HTTPError(SchoologyETLError):
    """An error tied to one HTTP exchange with the API."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.url = url
        self.body = body

    def __str__(self) -> str:
        base = super().__str__()
        where = " ".join(p for p in (self.method, self.url) if p)
        status = f"HTTP {self.status}" if self.status is not None else ""
        extra = ", ".join(p for p in (status, where) if p)
        return f"{base} ({extra})" if extra else base


class TransientError(HTTPError):
    """A failure that may succeed when tried again (retried automatically)."""


class RateLimitedError(TransientError):
    """The API answered 429."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(TransientError):
    """The API answered 5xx."""


class NetworkError(TransientError):
    """The request did not reach the API or the answer did not come back."""


class FatalError(HTTPError):
    """A failure that retrying will not fix."""


class AuthenticationError(FatalError):
    """401: the key, secret or signature was refused."""


class PermissionDeniedError(FatalError):
    """403: the key may not do this."""


class NotFoundError(FatalError):
    """404: no such object, or not visible to this key."""


class BadRequestError(FatalError):
    """400 or another 4xx: the request itself was refused."""


class ResponseFormatError(FatalError):
    """The body was not the JSON the API promises (an HTML error page, truncated JSON...)."""


class BulkPartialError(SchoologyETLError):
    """Some items of a bulk write failed; ``results`` holds one result per input item."""

    def __init__(self, message: str, results: Sequence[Any]) -> None:
        super().__init__(message)
        self.results = list(results)

    @property
    def failures(self) -> list[Any]:
        return [r for r in self.results if not getattr(r, "ok", False)]


class RecordError(SchoologyETLError):
    """A record failed in a pipeline step."""

    def __init__(
        self,
        message: str,
        *,
        step: str | None = None,
        index: int | None = None,
        record: Any = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.index = index
        self.record = record

    def __str__(self) -> str:
        base = super().__str__()
        parts = []
        if self.step:
            parts.append(f"step {self.step}")
        if self.index is not None:
            parts.append(f"record {self.index}")
        return f"{base} ({', '.join(parts)})" if parts else base


class SourceFormatError(RecordError):
    """A malformed row in an input file or table; names the file and line."""

    def __init__(self, message: str, *, path: str, line: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.path = path
        self.line = line

    def __str__(self) -> str:
        loc = f"{self.path}, line {self.line}" if self.line is not None else self.path
        return f"{loc}: {Exception.__str__(self)}"


class ConnectorError(SchoologyETLError):
    """A SQL or SFTP connector failed; the message names host and path or table."""
