"""One line a person can read for a notebook's error: what failed, in which step, and why.

The kernel reports an error as its class name, its message and a traceback (for a
library error, often several chained ones). The run log leads with this one line; the
traceback follows, folded (stream ``traceback``), complete in ``runs log --full`` and in
the output notebook. Errors of :mod:`schoology_etl` about one HTTP exchange are said as
such: which host, which status, and the API's own message.

>>> summarize_error("ValueError", "bad row 3", cell=4, source="# Read the SIS file\\nrows = read()")
'cell 4 (Read the SIS file) raised ValueError: bad row 3'
>>> summarize_error("NetworkError", "network error: ConnectionError (GET http://127.0.0.1:9/v1/users)", cell=5)
'cell 5 could not reach the Schoology API at 127.0.0.1:9 (GET /v1/users): network error: ConnectionError'
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

STEP_NAME_LIMIT = 60

# ``HTTPError.__str__``: "<message> (HTTP <status>, <METHOD> <url>)", either part optional
_HTTP_DETAIL = re.compile(r"^(?P<message>.*?) \((?:HTTP (?P<status>\d{3}))?(?:, )?"
                          r"(?:(?P<method>[A-Z]+) (?P<url>\S+))?\)$", re.DOTALL)
_NETWORK = frozenset({"NetworkError"})
_RATE = frozenset({"RateLimitedError"})


def _library_http_errors() -> frozenset[str]:
    """Class names of the library's errors about one HTTP exchange."""
    from schoology_etl import errors

    def walk(cls: type) -> set[type]:
        found = {cls}
        subclass: type
        for subclass in cls.__subclasses__():
            found |= walk(subclass)
        return found

    return frozenset(c.__name__ for c in walk(errors.HTTPError))


def step_name(source: str | None) -> str | None:
    """What a cell does, as its author said it: its first comment, else its first line (shortened)."""
    lines = [ln.strip() for ln in (source or "").splitlines() if ln.strip().lstrip("#").strip()]
    if not lines:
        return None
    first = lines[0].lstrip("#").strip() if lines[0].startswith("#") else lines[0]
    if len(first) > STEP_NAME_LIMIT:
        first = first[: STEP_NAME_LIMIT - 1].rstrip() + "…"
    return first or None


def describe_api_error(ename: str, evalue: str) -> str | None:
    """``evalue`` of a library HTTP error as host, status and the API's message; None for other errors."""
    if ename not in _library_http_errors():
        return None
    match = _HTTP_DETAIL.match(evalue.strip())
    if match is None:
        return None
    url = urlsplit(match["url"] or "")
    host = url.netloc or "an unknown host"
    request = f"{match['method']} {url.path}" if match["method"] else ""
    message = match["message"].strip()
    if ename in _NETWORK or match["status"] is None:
        where = f" ({request})" if request else ""
        return f"could not reach the Schoology API at {host}{where}: {message}"
    what = f" to {request}" if request else ""
    if ename in _RATE:
        return f"the Schoology API at {host} kept answering {match['status']} (rate limited){what}: {message}"
    return f"the Schoology API at {host} answered {match['status']}{what}: {message}"


def summarize_error(ename: str | None, evalue: str | None, *, cell: int | None, source: str | None = None) -> str:
    """The one line that leads a failed run's log: the cell (and what it does), then the error."""
    ename, evalue = ename or "Error", (evalue or "").strip()
    step = f"cell {cell}" if cell is not None else "the notebook"
    name = step_name(source)
    if name:
        step += f" ({name})"
    api = describe_api_error(ename, evalue)
    if api is not None:
        return f"{step} {api}"
    first = evalue.splitlines()[0] if evalue else ""
    return f"{step} raised {ename}: {first}" if first else f"{step} raised {ename}"
