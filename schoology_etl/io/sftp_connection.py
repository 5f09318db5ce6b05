"""One SFTP session through paramiko: list, download, upload (atomic), open remote files.

::

    with SFTPConnection.from_profile(profile) as sftp:
        for entry in sftp.listdir("/outgoing"):
            ...
        sftp.upload("roster.csv", "/incoming/roster.csv")   # temp name, then rename

Host keys are checked against the one stored in the profile (see :mod:`.sftp_auth`);
transient drops (EOF, socket errors, SSH errors mid-transfer) are retried with a fresh
connection. Every error names ``host:port`` and the remote path.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import paramiko

from ..errors import ConfigurationError, ConnectorError
from .sftp_auth import load_private_key, open_ssh, parse_host_key
from .sftp_retry import call_with_retries, connector_error

__all__ = ["SFTPConnection", "RemoteEntry"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RemoteEntry:
    """One entry of a remote directory listing."""

    name: str
    path: str
    size: int | None
    mtime: int | None
    mode: int | None

    @property
    def is_dir(self) -> bool:
        return self.mode is not None and stat.S_ISDIR(self.mode)


class SFTPConnection:
    """One SFTP session to one server; a context manager, reconnecting when dropped.

    Args:
        host, port, username: where and as whom to log in.
        password: password authentication.
        private_key: key authentication: a key file path or the key's PEM/OpenSSH text.
        passphrase: for an encrypted private key.
        host_key: the server's public key as an OpenSSH line (``ssh-ed25519 AAAA...``).
            Required: unknown host keys are refused, never accepted.
        timeout: seconds for connecting, authenticating and each SFTP request.
        retries: extra attempts after a transient failure.
        sleep: how to wait between attempts (injectable for tests).
    """

    def __init__(
        self,
        host: str,
        port: int = 22,
        username: str | None = None,
        *,
        password: str | None = None,
        private_key: str | os.PathLike[str] | None = None,
        passphrase: str | None = None,
        host_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings: dict[str, Any] = dict(
            host=host, port=port, username=username, password=password, private_key=private_key,
            passphrase=passphrase, host_key=host_key, timeout=timeout, retries=retries, sleep=sleep,
        )
        self.host = host
        self.port = int(port)
        if not username:
            raise ConfigurationError(f"no SFTP username configured for {self.address}")
        if not host_key:
            raise ConfigurationError(
                f"no host key configured for {self.address}: store the server's public key "
                "in the client profile (unknown host keys are never accepted)"
            )
        if password is None and private_key is None:
            raise ConfigurationError(f"no password or private key configured for {self.address}")
        self.username = username
        self._password = password
        self._pkey = load_private_key(private_key, passphrase) if private_key is not None else None
        self._host_key = parse_host_key(host_key)
        self.timeout = timeout
        self.retries = retries
        self._sleep = sleep
        self._ssh: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._stale_temps: list[str] = []

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> SFTPConnection:
        """A connection from an object with host, port, username, password, private_key, host_key."""
        names = ("password", "private_key", "passphrase", "host_key", "timeout", "retries")
        kwargs = {n: getattr(settings, n) for n in names if getattr(settings, n, None) is not None}
        kwargs.update(overrides)
        return cls(settings.host, getattr(settings, "port", None) or 22, settings.username, **kwargs)

    @classmethod
    def from_profile(cls, profile: Any, **overrides: Any) -> SFTPConnection:
        """A connection from a client profile's ``sftp`` settings."""
        settings = getattr(profile, "sftp", None)
        if settings is None:
            name = getattr(profile, "name", "?")
            raise ConfigurationError(f"client profile {name!r} has no SFTP settings")
        return cls.from_settings(settings, **overrides)

    def clone(self) -> SFTPConnection:
        """A new, unopened connection with the same settings."""
        return type(self)(**self._settings)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def where(self, path: str) -> str:
        """``sftp://user@host:port/path`` for messages."""
        return f"sftp://{self.username}@{self.address}{'' if path.startswith('/') else '/'}{path}"

    # -- session ---------------------------------------------------------------------

    def __enter__(self) -> SFTPConnection:
        self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def connect(self) -> paramiko.SFTPClient:
        """The open SFTP session, connecting (with retries) when there is none."""
        if self._sftp is None:
            self._sftp = self._retrying("connect", "", lambda: self._open())
        return self._sftp

    def _open(self) -> paramiko.SFTPClient:
        ssh = open_ssh(
            host=self.host,
            port=self.port,
            username=self.username,
            host_key=self._host_key,
            password=self._password,
            pkey=self._pkey,
            timeout=self.timeout,
        )
        try:
            sftp = ssh.open_sftp()
            channel = sftp.get_channel()
            if channel is not None:
                channel.settimeout(self.timeout)
        except BaseException:
            ssh.close()
            raise
        self._ssh = ssh
        log.debug("connected to %s as %s", self.address, self.username)
        return sftp

    def close(self) -> None:
        """Close the session (safe to call twice)."""
        for handle in (self._sftp, self._ssh):
            if handle is not None:
                try:
                    handle.close()
                except Exception:  # noqa: BLE001 - closing a dead connection
                    pass
        self._sftp = self._ssh = None

    # -- retry and error mapping -----------------------------------------------------

    def _retrying(self, op: str, path: str, fn: Callable[[], T]) -> T:
        def before_retry(exc: BaseException) -> None:
            log.warning("%s %s failed (%s); retrying on a fresh connection", op, self.where(path), exc)
            self.close()

        try:
            return call_with_retries(fn, retries=self.retries, sleep=self._sleep, before_retry=before_retry)
        except ConnectorError:
            raise
        except Exception as exc:
            raise connector_error(op, self.where(path) if path else self.address, exc) from exc

    def run(self, op: str, path: str, fn: Callable[[paramiko.SFTPClient], T]) -> T:
        """Run ``fn(sftp)``, reconnecting and retrying on transient failures."""
        return self._retrying(op, path, lambda: fn(self._session()))

    def _session(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            self._sftp = self._open()
        self._discard_stale(self._sftp)
        return self._sftp

    def _discard_stale(self, sftp: paramiko.SFTPClient) -> None:
        while self._stale_temps:
            try:
                sftp.remove(self._stale_temps[-1])
            except FileNotFoundError:
                pass
            except OSError:
                return  # still unreachable: try again on the next session
            self._stale_temps.pop()

    # -- operations ------------------------------------------------------------------

    def listdir(self, path: str = ".") -> list[RemoteEntry]:
        """The entries of a remote directory, with size, mtime and mode, sorted by name."""
        def op(sftp: paramiko.SFTPClient) -> list[RemoteEntry]:
            return [
                RemoteEntry(a.filename, str(PurePosixPath(path) / a.filename), a.st_size, a.st_mtime, a.st_mode)
                for a in sftp.listdir_attr(path)
            ]
        return sorted(self.run("list", path, op), key=lambda e: e.name)

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists on the server."""
        def op(sftp: paramiko.SFTPClient) -> bool:
            try:
                sftp.stat(path)
            except FileNotFoundError:
                return False
            return True
        return self.run("stat", path, op)

    def remove(self, path: str) -> None:
        """Delete a remote file."""
        self.run("remove", path, lambda sftp: sftp.remove(path))

    def download(self, remote: str, local: str | os.PathLike[str]) -> Path:
        """Copy ``remote`` to ``local``; the local file appears whole or not at all."""
        target = Path(local)
        if target.is_dir():
            target = target / PurePosixPath(remote).name

        def op(sftp: paramiko.SFTPClient) -> Path:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    sftp.getfo(remote, fh)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return target

        return self.run("download", remote, op)

    def upload(
        self,
        local: str | os.PathLike[str],
        remote: str,
        *,
        callback: Callable[[int, int], None] | None = None,
    ) -> None:
        """Copy ``local`` to ``remote`` through a temporary name in the same directory.

        The destination is replaced only by a complete file (``posix-rename``); a failed
        or interrupted upload removes its temporary file and leaves the destination as
        it was. ``callback(bytes_sent, total)`` reports progress.
        """
        def op(sftp: paramiko.SFTPClient) -> None:
            tmp = temp_name(remote)
            try:
                sftp.put(os.fspath(local), tmp, callback=callback, confirm=True)
                sftp.posix_rename(tmp, remote)
            except BaseException:
                self.discard(sftp, tmp)
                raise

        if not Path(local).is_file():
            raise ConnectorError(f"upload: no such local file: {local}")
        self.run("upload", remote, op)

    def open(self, path: str, mode: str = "rb", *, bufsize: int = 32768) -> paramiko.SFTPFile:
        """A remote file object (the caller closes it)."""
        def op(sftp: paramiko.SFTPClient) -> paramiko.SFTPFile:
            fh = sftp.open(path, mode, bufsize=bufsize)
            fh.settimeout(self.timeout)
            return fh
        return self.run("open", path, op)

    def discard(self, sftp: paramiko.SFTPClient | None, tmp: str) -> None:
        """Remove a temporary file now, or on the next connection if this one is gone."""
        try:
            (sftp or self.connect()).remove(tmp)
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - the connection may be dead
            log.warning("could not remove %s now (%s); will retry", self.where(tmp), exc)
            self._stale_temps.append(tmp)

    def __repr__(self) -> str:
        return f"<SFTPConnection {self.username}@{self.address}>"


def temp_name(remote: str) -> str:
    """A hidden temporary name next to ``remote``, unique per call."""
    path = PurePosixPath(remote)
    return str(path.with_name(f".{path.name}.{uuid.uuid4().hex[:10]}.part"))

