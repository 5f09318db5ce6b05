"""Client profiles: a name resolved at run time to credentials (and SQL/SFTP settings).

Resolution order for ``resolve_profile(name)``:

1. every entry point in group ``schoology_etl.profiles`` (the runner registers its
   store there), each called with the name; the first non-``None`` answer wins;
2. the environment: ``TOOLBELT_CLIENT_<NAME>_BASE_URL``, ``_KEY``, ``_SECRET`` and the
   optional ``_SQL_URL``, ``_SIGNATURE_METHOD``, ``_RATE_LIMIT`` and ``_RATE_WINDOW``
   (the key's budget: requests per window of seconds); the SFTP site from ``_SFTP_HOST``,
   ``_SFTP_PORT``, ``_SFTP_USER``, ``_SFTP_PASSWORD``, ``_SFTP_PRIVATE_KEY`` (a path or
   the key's text) and ``_SFTP_HOST_KEY`` (the server's OpenSSH public-key line).

Jobs receive only the name, never the secret.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from schoology_etl.credentials import DEFAULT_BASE_URL, Credentials
from schoology_etl.errors import ConfigurationError
from schoology_etl.ratelimit import DEFAULT_RATE, DEFAULT_WINDOW

if TYPE_CHECKING:  # the clients import this module
    from schoology_etl.async_client import AsyncSchoologyClient
    from schoology_etl.client import SchoologyClient

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "schoology_etl.profiles"
ENV_PREFIX = "TOOLBELT_CLIENT_"
#: ``TOOLBELT_CLIENT_<NAME>_SFTP_<VAR>``: the client's SFTP site (all optional but HOST).
SFTP_ENV_VARS = ("HOST", "PORT", "USER", "PASSWORD", "PRIVATE_KEY", "HOST_KEY")


@dataclass(frozen=True)
class SFTPSettings:
    """Where a client's SIS files live; password and key never shown in ``repr``."""

    host: str
    port: int = 22
    username: str = ""
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    host_key: str | None = None


@dataclass(frozen=True)
class Profile:
    """Everything a job needs to reach one client's systems."""

    name: str
    base_url: str = DEFAULT_BASE_URL
    key: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    signature_method: str = "HMAC-SHA1"
    sql_url: str | None = field(default=None, repr=False)
    sftp: SFTPSettings | None = None
    #: the key's rate budget: at most ``rate_limit`` requests per ``rate_window`` seconds
    rate_limit: int = DEFAULT_RATE
    rate_window: float = DEFAULT_WINDOW

    def __post_init__(self) -> None:
        check_rate(self.name, self.rate_limit, self.rate_window)
        object.__setattr__(self, "rate_limit", int(self.rate_limit))
        object.__setattr__(self, "rate_window", float(self.rate_window))

    @property
    def client_options(self) -> dict[str, Any]:
        """Options every client built for this profile gets (its rate budget)."""
        return {"rate_limit": self.rate_limit, "rate_window": self.rate_window}

    @property
    def credentials(self) -> Credentials:
        """API credentials of this profile."""
        return Credentials(base_url=self.base_url, key=self.key, secret=self.secret,
                           signature_method=self.signature_method)

    def __repr__(self) -> str:
        return (f"Profile(name={self.name!r}, base_url={self.base_url!r}, key={self.key[:3] + '…'!r}, "
                f"secret='***', signature_method={self.signature_method!r}, "
                f"sql_url={'***' if self.sql_url else None}, sftp={self.sftp!r}, "
                f"rate_limit={self.rate_limit}, rate_window={self.rate_window:g})")


def check_rate(name: str, rate_limit: Any, rate_window: Any) -> None:
    """Raise :class:`ConfigurationError` naming the client and field unless the budget is usable."""
    try:
        limit_ok = float(rate_limit) == int(rate_limit) and int(rate_limit) >= 1
    except (TypeError, ValueError):
        limit_ok = False
    if not limit_ok:
        raise ConfigurationError(f"client {name!r}: rate_limit must be a whole number of requests, at least 1; "
                                 f"got {rate_limit!r}")
    try:
        window_ok = float(rate_window) > 0
    except (TypeError, ValueError):
        window_ok = False
    if not window_ok:
        raise ConfigurationError(f"client {name!r}: rate_window must be a positive number of seconds; "
                                 f"got {rate_window!r}")


def env_name(name: str) -> str:
    """The environment-variable form of a client name: ``demo-district`` -> ``DEMO_DISTRICT``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def _as_profile(name: str, value: Any, source: str) -> Profile:
    if isinstance(value, Profile):
        return value
    if isinstance(value, Mapping):
        data = dict(value)
        sftp = data.get("sftp")
        if isinstance(sftp, Mapping):
            data["sftp"] = SFTPSettings(**sftp)
        data.setdefault("name", name)
        return Profile(**data)
    raise ConfigurationError(f"client {name!r}: {source} returned {type(value).__name__}, not a Profile")


def _from_entry_points(name: str, tried: list[str]) -> Profile | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        tried.append(f"entry point {ep.name} ({ep.value})")
        try:
            lookup = ep.load()
        except ImportError as exc:
            log.warning("profile entry point %s could not be loaded: %s", ep.name, exc)
            continue
        value = lookup(name)
        if value is not None:
            return _as_profile(name, value, f"entry point {ep.name}")
    return None


def _from_environment(name: str, environ: Mapping[str, str], tried: list[str]) -> Profile | None:
    prefix = f"{ENV_PREFIX}{env_name(name)}_"
    tried.append(f"environment {prefix}BASE_URL/_KEY/_SECRET")
    key, secret = environ.get(prefix + "KEY"), environ.get(prefix + "SECRET")
    base_url = environ.get(prefix + "BASE_URL")
    if not (key or secret or base_url):
        return None
    missing = [f"{prefix}{v}" for v, got in (("KEY", key), ("SECRET", secret)) if not got]
    if missing:
        raise ConfigurationError(f"client {name!r}: environment is missing {', '.join(missing)}")
    return Profile(name=name, base_url=base_url or DEFAULT_BASE_URL, key=key or "", secret=secret or "",
                   signature_method=environ.get(prefix + "SIGNATURE_METHOD", "HMAC-SHA1"),
                   sql_url=environ.get(prefix + "SQL_URL"), sftp=_sftp_from_environment(name, prefix, environ),
                   rate_limit=_number(environ.get(prefix + "RATE_LIMIT"), DEFAULT_RATE),
                   rate_window=_number(environ.get(prefix + "RATE_WINDOW"), DEFAULT_WINDOW))


def _number(raw: str | None, default: float) -> Any:
    """An environment value as a number (the profile check names a bad one), or the default."""
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        return raw


def _sftp_from_environment(name: str, prefix: str, environ: Mapping[str, str]) -> SFTPSettings | None:
    """``<prefix>SFTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_PRIVATE_KEY``, ``_HOST_KEY``."""
    values = {v: environ.get(f"{prefix}SFTP_{v}") or None for v in SFTP_ENV_VARS}
    if not any(values.values()):
        return None
    if not values["HOST"]:
        raise ConfigurationError(f"client {name!r}: environment has SFTP settings but no {prefix}SFTP_HOST")
    try:
        port = int(values["PORT"] or 22)
    except ValueError:
        raise ConfigurationError(f"client {name!r}: {prefix}SFTP_PORT is not a port number: "
                                 f"{values['PORT']!r}") from None
    return SFTPSettings(host=values["HOST"], port=port, username=values["USER"] or "",
                        password=values["PASSWORD"], private_key=values["PRIVATE_KEY"], host_key=values["HOST_KEY"])


def resolve_profile(name: str, *, environ: Mapping[str, str] | None = None) -> Profile:
    """The profile called ``name``, from the registered stores, then the environment.

    Raises:
        ConfigurationError: nothing knows the name; the message says what was tried.
    """
    if not name:
        raise ConfigurationError("client name is empty")
    tried: list[str] = []
    profile = _from_entry_points(name, tried)
    if profile is None:
        profile = _from_environment(name, os.environ if environ is None else environ, tried)
    if profile is None:
        raise ConfigurationError(f"no client profile named {name!r}; tried: {'; '.join(tried)}")
    return profile


def _profile(name_or_profile: str | Profile) -> Profile:
    return name_or_profile if isinstance(name_or_profile, Profile) else resolve_profile(name_or_profile)


def connect(name_or_profile: str | Profile, **client_options: Any) -> SchoologyClient:
    """A :class:`~schoology_etl.client.SchoologyClient` for a profile or a profile name."""
    from schoology_etl.client import SchoologyClient

    profile = _profile(name_or_profile)
    return SchoologyClient(profile.credentials, **{**profile.client_options, **client_options})


def aconnect(name_or_profile: str | Profile, **client_options: Any) -> AsyncSchoologyClient:
    """An :class:`~schoology_etl.async_client.AsyncSchoologyClient` for a profile or name."""
    from schoology_etl.async_client import AsyncSchoologyClient

    profile = _profile(name_or_profile)
    return AsyncSchoologyClient(profile.credentials, **{**profile.client_options, **client_options})
