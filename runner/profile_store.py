"""Client profiles in the store: add, update, get, list, remove, test.

Secrets (the API secret, the SQL URL, an SFTP password or private key) are stored
encrypted (:mod:`runner.secrets`); nothing here returns them except :func:`get_profile`
and :func:`resolve_profile`, which build the library's
:class:`~schoology_etl.profiles.Profile` for a job at run time.

:func:`resolve_profile` is registered as entry point ``schoology_etl.profiles: store``,
so ``schoology_etl.connect("name")`` in a notebook finds profiles stored here.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from runner import secrets
from runner.store import ClientProfileRow, StoreUnavailableError, database_url, session_scope
from schoology_etl.credentials import SIGNATURE_METHODS
from schoology_etl.errors import ConfigurationError, SchoologyETLError
from schoology_etl.profiles import Profile, SFTPSettings, check_rate
from schoology_etl.ratelimit import DEFAULT_RATE, DEFAULT_WINDOW

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")
SFTP_PLAIN_KEYS = ("host", "port", "username", "host_key")
SFTP_SECRET_KEYS = ("password", "private_key")
TEST_PATH = "app-user-info"
MIN_SECRET_LENGTH = 8
#: changing one of these sends the stored secret somewhere else or differently: re-enter it
SECRET_BOUND_FIELDS = ("base_url", "key", "signature_method")


class UnknownProfileError(ConfigurationError):
    """No client profile with that name in the store."""


class ProfileExistsError(ConfigurationError):
    """A client profile with that name is already stored."""


@dataclass(frozen=True)
class ProfileInfo:
    """What may be shown about a stored profile: never a secret."""

    name: str
    base_url: str
    key_hint: str
    signature_method: str
    has_sql: bool
    sftp_host: str | None
    created_at: datetime | None
    updated_at: datetime | None
    rate_limit: int = DEFAULT_RATE
    rate_window: float = DEFAULT_WINDOW

    @property
    def budget(self) -> str:
        """The key's budget in words, e.g. ``40 requests per 5 s``."""
        return f"{self.rate_limit} requests per {self.rate_window:g} s"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_url": self.base_url,
            "key": self.key_hint,
            "signature_method": self.signature_method,
            "sql": self.has_sql,
            "sftp_host": self.sftp_host,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "rate_limit": self.rate_limit,
            "rate_window": self.rate_window,
        }


@dataclass(frozen=True)
class ProfileTestResult:
    """The outcome of :func:`test_profile`: ok, or the typed error's class and message."""

    name: str
    ok: bool
    message: str
    error_class: str | None = None


def _info(row: ClientProfileRow) -> ProfileInfo:
    return ProfileInfo(
        name=row.name,
        base_url=row.base_url,
        key_hint=(row.key[:3] + "…") if row.key else "",
        signature_method=row.signature_method,
        has_sql=bool(row.sql_url_encrypted),
        sftp_host=(row.sftp_settings or {}).get("host"),
        created_at=row.created_at,
        updated_at=row.updated_at,
        rate_limit=row.rate_limit or DEFAULT_RATE,
        rate_window=row.rate_window or DEFAULT_WINDOW,
    )


class SecretRequiredError(ConfigurationError):
    """Changing where or how a stored secret is sent needs the secret entered again."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(name: str, base_url: str, *, insecure: bool = False) -> None:
    """A base URL the client can use: http(s), a host, and ``http://`` only for loopback hosts
    unless ``insecure`` (a PLAINTEXT signature would send the secret unencrypted).

    Raises:
        ConfigurationError: naming the client and what is wrong.
    """
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ConfigurationError(f"client {name!r}: base URL {base_url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"client {name!r}: base URL must be http(s)://HOST/..., got {base_url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(f"client {name!r}: base URL {base_url!r} must not hold a user, query or fragment")
    if parts.scheme == "http" and not insecure and not is_loopback_host(host):
        raise ConfigurationError(
            f"client {name!r}: http:// is allowed only for this machine (localhost); use https:// for {host} "
            "(or --insecure if you really mean to send credentials unencrypted)")


def _check_fields(name: str, base_url: str, key: str, secret: str, signature_method: str, *,
                  insecure: bool = False) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ConfigurationError(
            f"client name {name!r}: use letters, digits, '_' and '-', starting with a letter"
        )
    check_base_url(name, base_url, insecure=insecure)
    if not key:
        raise ConfigurationError(f"client {name!r}: key is empty")
    if not secret:
        raise ConfigurationError(f"client {name!r}: secret is empty")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"client {name!r}: the secret is {len(secret)} characters; "
                                 f"a real API secret has at least {MIN_SECRET_LENGTH}")
    if signature_method.upper() not in SIGNATURE_METHODS:
        raise ConfigurationError(
            f"client {name!r}: signature method must be one of {', '.join(SIGNATURE_METHODS)}, got {signature_method!r}"
        )


def _encrypt_sftp(sftp: Mapping[str, Any] | None, key: bytes) -> dict[str, Any] | None:
    if not sftp:
        return None
    unknown = set(sftp) - set(SFTP_PLAIN_KEYS) - set(SFTP_SECRET_KEYS)
    if unknown:
        raise ConfigurationError(f"unknown SFTP settings: {', '.join(sorted(unknown))}")
    if not sftp.get("host"):
        raise ConfigurationError("SFTP settings need a host")
    out: dict[str, Any] = {k: sftp[k] for k in SFTP_PLAIN_KEYS if sftp.get(k) not in (None, "")}
    if "port" in out:
        out["port"] = int(out["port"])
    for k in SFTP_SECRET_KEYS:
        if sftp.get(k):
            out[f"{k}_encrypted"] = secrets.encrypt(str(sftp[k]), key=key)
    return out


def _decrypt_sftp(name: str, stored: Mapping[str, Any] | None, key: bytes) -> SFTPSettings | None:
    if not stored:
        return None
    plain = {k: stored[k] for k in SFTP_PLAIN_KEYS if k in stored}
    for k in SFTP_SECRET_KEYS:
        token = stored.get(f"{k}_encrypted")
        if token:
            plain[k] = secrets.decrypt(token, key=key, what=f"the SFTP {k} of client {name!r}")
    return SFTPSettings(**plain)


def add_profile(
    name: str,
    *,
    base_url: str,
    key: str,
    secret: str,
    signature_method: str = "HMAC-SHA1",
    sql_url: str | None = None,
    sftp: Mapping[str, Any] | None = None,
    replace: bool = False,
    url: str | None = None,
    insecure: bool = False,
    rate_limit: int | None = None,
    rate_window: float | None = None,
) -> ProfileInfo:
    """Store a profile (secrets encrypted). ``replace=True`` overwrites one of the same name.

    ``insecure`` allows ``http://`` to a host other than this machine. ``rate_limit``
    requests per ``rate_window`` seconds is the key's budget (None: the library's
    default, 40 per 5 s); every run, apply and dashboard read shares it.

    Raises:
        ProfileExistsError: the name is taken and ``replace`` is false.
        ConfigurationError: a field is invalid (nothing is stored).
    """
    _check_fields(name, base_url, key, secret, signature_method, insecure=insecure)
    check_rate(name, DEFAULT_RATE if rate_limit is None else rate_limit,
               DEFAULT_WINDOW if rate_window is None else rate_window)
    fkey = secrets.load_key()
    values = {
        "base_url": base_url.rstrip("/"),
        "key": key,
        "secret_encrypted": secrets.encrypt(secret, key=fkey),
        "signature_method": signature_method.upper(),
        "sql_url_encrypted": secrets.encrypt(sql_url, key=fkey) if sql_url else None,
        "sftp_settings": _encrypt_sftp(sftp, fkey),
        "rate_limit": None if rate_limit is None else int(rate_limit),
        "rate_window": None if rate_window is None else float(rate_window),
    }
    with session_scope(url) as s:
        row = s.scalar(sa.select(ClientProfileRow).where(ClientProfileRow.name == name))
        if row is not None and not replace:
            raise ProfileExistsError(f"client {name!r} already exists; remove it first or update it")
        if row is None:
            row = ClientProfileRow(name=name)
            s.add(row)
        for attr, value in values.items():
            setattr(row, attr, value)
        s.flush()
        return _info(row)


def update_profile(name: str, *, url: str | None = None, insecure: bool = False, **changes: Any) -> ProfileInfo:
    """Change some fields of a stored profile (same keywords as :func:`add_profile`).

    Changing the base URL, key or signature method needs ``secret`` too: otherwise
    anyone allowed to edit could point the stored secret at a server of their own.

    Raises:
        SecretRequiredError: such a change without the secret (nothing is stored).
    """
    current = get_profile(name, url=url)
    moved = [f for f in SECRET_BOUND_FIELDS if f in changes and _differs(f, changes[f], getattr(current, f))]
    if moved and not changes.get("secret"):
        words = {"base_url": "base URL", "key": "key", "signature_method": "signing method"}
        raise SecretRequiredError(f"client {name!r}: changing its {', '.join(words[f] for f in moved)} needs its "
                                  "secret entered again; nothing was changed")
    fields: dict[str, Any] = {
        "base_url": current.base_url,
        "key": current.key,
        "secret": current.secret,
        "signature_method": current.signature_method,
        "sql_url": current.sql_url,
        "sftp": current.sftp.__dict__ if current.sftp else None,
        "rate_limit": current.rate_limit,
        "rate_window": current.rate_window,
    }
    unknown = set(changes) - set(fields)
    if unknown:
        raise ConfigurationError(f"cannot update {', '.join(sorted(unknown))} of a client profile")
    fields.update(changes)
    return add_profile(name, replace=True, url=url, insecure=insecure, **fields)


def _differs(field: str, new: Any, old: Any) -> bool:
    if field == "base_url":
        return str(new).rstrip("/") != str(old).rstrip("/")
    if field == "signature_method":
        return str(new).upper() != str(old).upper()
    return new != old


def _row(s: Any, name: str) -> ClientProfileRow:
    row = s.scalar(sa.select(ClientProfileRow).where(ClientProfileRow.name == name))
    if row is None:
        known = s.scalars(sa.select(ClientProfileRow.name).order_by(ClientProfileRow.name)).all()
        raise UnknownProfileError(f"no client profile named {name!r} (stored: {', '.join(known) or 'none'})")
    return row


def _profile(row: ClientProfileRow, key: bytes) -> Profile:
    return Profile(
        name=row.name,
        base_url=row.base_url,
        key=row.key,
        secret=secrets.decrypt(row.secret_encrypted, key=key, what=f"the secret of client {row.name!r}"),
        signature_method=row.signature_method,
        sql_url=(
            secrets.decrypt(row.sql_url_encrypted, key=key, what=f"the SQL URL of client {row.name!r}")
            if row.sql_url_encrypted
            else None
        ),
        sftp=_decrypt_sftp(row.name, row.sftp_settings, key),
        rate_limit=row.rate_limit or DEFAULT_RATE,
        rate_window=row.rate_window or DEFAULT_WINDOW,
    )


def get_profile(name: str, *, url: str | None = None) -> Profile:
    """The stored profile ``name``, decrypted.

    Raises:
        UnknownProfileError: not stored.
    """
    with session_scope(url) as s:
        return _profile(_row(s, name), secrets.load_key())


def list_profiles(*, url: str | None = None) -> list[ProfileInfo]:
    """Every stored profile, by name, without secrets."""
    with session_scope(url) as s:
        return [_info(r) for r in s.scalars(sa.select(ClientProfileRow).order_by(ClientProfileRow.name))]


def remove_profile(name: str, *, url: str | None = None) -> None:
    """Delete a stored profile.

    Raises:
        UnknownProfileError: not stored.
    """
    with session_scope(url) as s:
        s.delete(_row(s, name))


def stored_secret_values(*, url: str | None = None, key: bytes | None = None) -> list[str]:
    """Every decrypted secret value of every stored profile (for masking)."""
    key = key or secrets.load_key()
    values: list[str] = []
    with session_scope(url) as s:
        for row in s.scalars(sa.select(ClientProfileRow)):
            try:
                profile = _profile(row, key)
            except secrets.SecretKeyError as exc:  # nobody can use it either, so it cannot leak
                log.warning("client %s: %s", row.name, exc)
                continue
            values.append(profile.secret)
            if profile.sql_url:
                values.append(profile.sql_url)
                password = sa.engine.make_url(profile.sql_url).password
                if password:
                    values.append(str(password))
            if profile.sftp:
                from runner.execution.scrub import _key_file_lines

                values.extend(v for v in (profile.sftp.password, profile.sftp.private_key) if v)
                values.extend(_key_file_lines(profile.sftp.private_key))
    return values


def known_secret_values(url: str | None = None) -> list[str]:
    """Every decrypted secret of every stored profile, and the secret key itself (for masking)."""
    key = secrets.load_key()
    return [key.decode("ascii"), *stored_secret_values(url=url, key=key)]


def test_profile(name: str, *, url: str | None = None, **client_options: Any) -> ProfileTestResult:
    """One signed GET (``/app-user-info``) through the library client; ok or the typed error."""
    from schoology_etl.client import SchoologyClient

    profile = get_profile(name, url=url)
    options = {"max_retries": 1, "timeout": 15.0, **profile.client_options, **client_options}
    try:
        with SchoologyClient(profile.credentials, **options) as client:
            data = client.get(TEST_PATH)
    except SchoologyETLError as exc:
        return ProfileTestResult(name, False, str(exc), type(exc).__name__)
    uid = data.get("api_uid") if isinstance(data, dict) else None
    return ProfileTestResult(name, True, f"ok: {profile.base_url} answered" + (f" (api_uid {uid})" if uid else ""))


def resolve_profile(name: str) -> Profile | None:
    """The entry point for :func:`schoology_etl.resolve_profile`: the stored profile or None.

    An unreachable store is logged and answers None, so environment profiles still work;
    an embedded SQLite store that does not exist yet is not created just to look a name up.
    """
    url = database_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).expanduser().exists():
        return None
    try:
        return get_profile(name, url=url)
    except UnknownProfileError:
        return None
    except StoreUnavailableError as exc:
        log.warning("client store unavailable, trying the environment: %s", exc)
        return None


test_profile.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
