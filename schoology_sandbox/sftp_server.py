"""The demo district's SFTP site: an in-process SFTP server (paramiko), no sshd needed.

::

    srv = SandboxSFTPServer(sis_dir="demo/sis").start()
    srv.settings()   # {"host", "port", "username", "password", "host_key"}: a client profile's sftp
    ...              # outgoing/users.csv, enrollments.csv...; incoming/ for deliveries
    srv.stop()

It listens on 127.0.0.1 (port 0: a free one), accepts password authentication with a
random password per start (and optionally one public key), and presents a fresh host
key per start, given as the OpenSSH line a client profile pins. The files live in a
local folder (a temporary one unless ``root`` is given) holding the demo district's SIS
export under ``outgoing/`` and an empty ``incoming/``.
"""

from __future__ import annotations

import hmac
import io
import logging
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from paramiko.common import AUTH_FAILED, AUTH_SUCCESSFUL, OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED, OPEN_SUCCEEDED

from schoology_etl.errors import ConfigurationError
from schoology_sandbox.sftp_files import RootedSFTPInterface

log = logging.getLogger(__name__)

#: The SIS export the district drops in ``outgoing/``.
OUTGOING_FILES = ("users.csv", "parents.csv", "courses_sections.csv", "enrollments.csv", "group_members.csv")
DEFAULT_USERNAME = "district"


def new_host_key() -> paramiko.PKey:
    """A fresh Ed25519 host key."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption()).decode()
    return paramiko.Ed25519Key.from_private_key(io.StringIO(pem))


def public_key_line(key: paramiko.PKey) -> str:
    """The OpenSSH public-key line of ``key`` (``ssh-ed25519 AAAA...``)."""
    return f"{key.get_name()} {key.get_base64()}"


class _Auth(paramiko.ServerInterface):
    """One user, a password and optionally one public key; only the ``sftp`` subsystem."""

    def __init__(self, username: str, password: str, authorized_key: paramiko.PKey | None) -> None:
        self._username, self._password, self._key = username, password, authorized_key

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey" if self._key is not None else "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self._username and hmac.compare_digest(password.encode(), self._password.encode())
        return AUTH_SUCCESSFUL if ok else AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = self._key is not None and username == self._username and key.asbytes() == self._key.asbytes()
        return AUTH_SUCCESSFUL if ok else AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return OPEN_SUCCEEDED if kind == "session" else OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


def fill_demo_site(root: str | Path, sis_dir: str | Path | None = None) -> Path:
    """Put the demo SIS export under ``root/outgoing`` and make an empty ``root/incoming``.

    Args:
        root: the site's folder.
        sis_dir: a folder of demo SIS files (default: the demo district's, see
            :func:`schoology_etl.demo_data.demo_file`).
    """
    root = Path(root)
    outgoing, incoming = root / "outgoing", root / "incoming"
    outgoing.mkdir(parents=True, exist_ok=True)
    incoming.mkdir(exist_ok=True)
    for name in OUTGOING_FILES:
        if sis_dir is not None:
            source = Path(sis_dir) / name
        else:
            from schoology_etl.demo_data import demo_file

            source = demo_file(name)
        if not source.exists():
            raise ConfigurationError(f"no demo SIS file {source} to put on the SFTP site")
        shutil.copyfile(source, outgoing / name)
    return root


class SandboxSFTPServer:
    """An SFTP server on a loopback port serving one folder.

    Args:
        root: the folder served (default: a temporary folder, removed by :meth:`stop`).
        host, port: where to listen (port 0: any free port).
        username: the login name.
        password: the password (default: random per start).
        authorized_key: a public key (OpenSSH line) also allowed to log in.
        demo_files: fill ``outgoing/`` and ``incoming/`` with :func:`fill_demo_site`.
        sis_dir: where the demo SIS files come from (default: the demo district's).
    """

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = DEFAULT_USERNAME,
        password: str | None = None,
        authorized_key: str | None = None,
        demo_files: bool = True,
        sis_dir: str | Path | None = None,
    ) -> None:
        self._root_given = root is not None
        self.root = Path(root) if root is not None else None
        self.host = host
        self.port = port
        self.username = username
        self._fixed_password = password
        self.password = password or ""
        self._authorized = _parse_public_key(authorized_key) if authorized_key else None
        self._demo_files, self._sis_dir = demo_files, sis_dir
        self._host_key: paramiko.PKey | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._lock = threading.Lock()

    @property
    def host_key(self) -> str:
        """The server's public host key as an OpenSSH line (what a client profile stores)."""
        if self._host_key is None:
            raise ConfigurationError("the SFTP server is not started")
        return public_key_line(self._host_key)

    def settings(self) -> dict[str, Any]:
        """``host, port, username, password, host_key``: a client profile's ``sftp`` settings."""
        return {"host": self.host, "port": self.port, "username": self.username,
                "password": self.password, "host_key": self.host_key}

    def start(self) -> SandboxSFTPServer:
        """Listen and serve in a background thread; returns ``self``."""
        if self._thread is not None:
            return self
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="toolbelt-sftp-"))
        self.root.mkdir(parents=True, exist_ok=True)
        if self._demo_files:
            try:
                fill_demo_site(self.root, self._sis_dir)
            except BaseException:
                self.stop()
                raise
        self.password = self._fixed_password or secrets.token_urlsafe(18)
        self._host_key = new_host_key()
        sock = socket.create_server((self.host, self.port))
        sock.settimeout(0.2)
        self._sock, self.port = sock, sock.getsockname()[1]
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name=f"sandbox-sftp-{self.port}", daemon=True)
        self._thread.start()
        log.info("sandbox SFTP server on %s:%d serving %s", self.host, self.port, self.root)
        return self

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            try:
                self._start_session(conn)
            except Exception as exc:  # noqa: BLE001 - one bad client must not stop the server
                log.warning("SFTP session from a client failed to start: %s", exc)
                conn.close()

    def _start_session(self, conn: socket.socket) -> None:
        conn.settimeout(None)
        if self._host_key is None:
            raise ConfigurationError("the SFTP server is not started")
        transport = paramiko.Transport(conn)
        transport.add_server_key(self._host_key)
        transport.set_subsystem_handler("sftp", paramiko.SFTPServer, RootedSFTPInterface, self.root)
        with self._lock:
            self._transports = [t for t in self._transports if t.is_active()] + [transport]
        # with an event, negotiation runs on the transport's own thread: a slow client never blocks accept()
        transport.start_server(event=threading.Event(), server=_Auth(self.username, self.password, self._authorized))

    def stop(self) -> None:
        """Stop listening, close every session, remove a temporary root."""
        self._stopping.set()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            transport.close()
        if self.root is not None and not self._root_given:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> SandboxSFTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SandboxSFTPServer {self.username}@{self.host}:{self.port} root={self.root}>"


def _parse_public_key(line: str) -> paramiko.PKey:
    from schoology_etl.io.sftp_auth import parse_host_key

    return parse_host_key(line)
