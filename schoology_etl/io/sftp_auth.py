"""SSH trust for the SFTP connector: the expected host key, user keys, one checked connect.

The host key is never learned on the fly. The client profile stores the server's
public key as an OpenSSH line (``ssh-ed25519 AAAA...``); the client loads only that
key and refuses any other, naming the fingerprint the server offered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import paramiko

from ..errors import ConfigurationError, ConnectorError

_KEY_CLASSES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


class HostKeyMismatchError(ConnectorError):
    """The server's host key is not the one stored in the client profile."""


def fingerprint(key: paramiko.PKey) -> str:
    """The OpenSSH SHA256 fingerprint of a public key (``SHA256:...``)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def parse_host_key(line: str) -> paramiko.PKey:
    """A public key from an OpenSSH line: ``type base64 [comment]`` or a known_hosts line.

    Raises:
        ConfigurationError: the line is not a public key paramiko understands.
    """
    fields = line.split()
    if fields and not fields[0].startswith(("ssh-", "ecdsa-", "sk-")):
        fields = fields[1:]  # known_hosts form: "host keytype base64"
    if len(fields) < 2:
        raise ConfigurationError("host key must look like 'ssh-ed25519 AAAA...'")
    try:
        return paramiko.PKey.from_type_string(fields[0], base64.b64decode(fields[1]))
    except (binascii.Error, ValueError, paramiko.SSHException) as exc:
        raise ConfigurationError(f"not a usable host key ({fields[0]}): {exc}") from None


def load_private_key(key: str | os.PathLike[str], passphrase: str | None = None) -> paramiko.PKey:
    """A private key from a file path or from its PEM/OpenSSH text.

    Raises:
        ConfigurationError: unreadable, encrypted without passphrase, or an unknown type.
    """
    text = str(key)
    try:
        if "-----BEGIN" not in text:
            return paramiko.PKey.from_path(Path(text).expanduser(), passphrase)
        for cls in _KEY_CLASSES:
            try:
                return cls.from_private_key(io.StringIO(text), password=passphrase)
            except paramiko.SSHException:
                continue
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise ConfigurationError(f"cannot load the private key: {exc}") from None
    raise ConfigurationError("cannot load the private key: not an Ed25519, ECDSA or RSA key")


class _RefuseUnknownKey(paramiko.MissingHostKeyPolicy):
    """Refuse any host key that is not the configured one, naming what was offered."""

    def missing_host_key(self, client: Any, hostname: str, key: paramiko.PKey) -> None:
        where = hostname.replace("[", "").replace("]", "")
        raise HostKeyMismatchError(
            f"host key for {where} did not match: the server offered {key.get_name()} "
            f"{fingerprint(key)}, which is not the key in the client profile"
        )


def open_ssh(
    *,
    host: str,
    port: int,
    username: str,
    host_key: paramiko.PKey,
    password: str | None,
    pkey: paramiko.PKey | None,
    timeout: float,
) -> paramiko.SSHClient:
    """An authenticated SSHClient to ``host:port`` that trusts only ``host_key``.

    Raises:
        HostKeyMismatchError: the server's key is not ``host_key``.
        ConnectorError: authentication was refused.
        OSError, EOFError, paramiko.SSHException: network trouble (the caller retries).
    """
    where = f"{host}:{port}"
    client = paramiko.SSHClient()
    lookup = host if port == 22 else f"[{host}]:{port}"
    client.get_host_keys().add(lookup, host_key.get_name(), host_key)
    client.set_missing_host_key_policy(_RefuseUnknownKey())
    try:
        client.connect(
            host,
            port=port,
            username=username,
            password=password,
            pkey=pkey,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            channel_timeout=timeout,
            allow_agent=False,
            look_for_keys=False,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise HostKeyMismatchError(
            f"host key for {where} did not match: the server offered {exc.key.get_name()} "
            f"{fingerprint(exc.key)}, the client profile expects "
            f"{exc.expected_key.get_name()} {fingerprint(exc.expected_key)}"
        ) from exc
    except HostKeyMismatchError:
        client.close()
        raise
    except paramiko.AuthenticationException as exc:
        client.close()
        how = "key" if pkey is not None else "password"
        raise ConnectorError(
            f"authentication failed for user {username!r} at {where} ({how}): {exc}"
        ) from exc
    except paramiko.SSHException as exc:
        client.close()
        if "host key" in str(exc).lower():
            raise HostKeyMismatchError(
                f"host key for {where} did not match: the server offers no "
                f"{host_key.get_name()} host key ({exc})"
            ) from exc
        raise
    except (TimeoutError, OSError, EOFError):
        client.close()
        raise
    return client
