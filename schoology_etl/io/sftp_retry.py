"""Which SFTP failures are worth another try, and what to tell the user when they are not."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import paramiko
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..errors import ConnectorError

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """A dropped connection or a broken transfer: worth one more try on a fresh connection."""
    if isinstance(exc, (ConnectorError, paramiko.AuthenticationException)):
        return False
    transient = (EOFError, ConnectionError, socket.timeout, paramiko.SSHException,
                 paramiko.ssh_exception.NoValidConnectionsError)
    if isinstance(exc, transient):
        return True
    # paramiko raises a bare OSError("Socket is closed") once the channel is gone.
    return isinstance(exc, OSError) and exc.errno is None and "closed" in str(exc).lower()


def connector_error(op: str, target: str, exc: BaseException) -> ConnectorError:
    """A ConnectorError for a failed operation on ``target`` (``sftp://user@host:port/path``)."""
    code = getattr(exc, "errno", None)
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return ConnectorError(f"{op}: no such file: {target}")
    if isinstance(exc, PermissionError) or code == errno.EACCES:
        return ConnectorError(f"{op}: permission denied: {target}")
    return ConnectorError(f"{op} failed at {target}: {type(exc).__name__}: {exc}")


def call_with_retries(
    fn: Callable[[], T],
    *,
    retries: int,
    sleep: Callable[[float], None],
    before_retry: Callable[[BaseException], None],
) -> T:
    """``fn()``, tried again up to ``retries`` times after transient failures (backoff 0.5 s, 1 s, 2 s...)."""
    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=0.5, max=10),
        retry=retry_if_exception(is_transient),
        sleep=sleep,
        before_sleep=lambda state: before_retry(_failure(state)),
        reraise=True,
    )
    return retrying(fn)


__all__ = ["call_with_retries", "connector_error", "is_transient"]


def _failure(state: Any) -> BaseException:
    """The exception of the attempt tenacity is about to retry (a retry only follows a failure)."""
    error = state.outcome.exception() if state.outcome is not None else None
    assert error is not None, "tenacity retries only after an exception"
    return error
