"""Secrets at rest (Fernet) and masking of known secret values in text.

The key comes from ``TOOLBELT_SECRET_KEY`` (a Fernet key) or from
``$TOOLBELT_HOME/secret.key``, generated once with mode 0600. Lose the key and the
stored secrets cannot be read: profiles must be added again. This module knows nothing of
profiles: :mod:`runner.profile_store` uses it, never the other way round.

Masking replaces every known secret (the values given: every profile's decrypted secrets
and the key itself, see :func:`runner.profile_store.known_secret_values`) with
``********`` wherever it shows up: as is, percent-encoded once or twice (an OAuth
PLAINTEXT signature is ``pct(secret)&`` percent-encoded again), in
``application/x-www-form-urlencoded`` form, JSON-escaped or base64-encoded.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

from cryptography.fernet import Fernet, InvalidToken

from schoology_etl.errors import ConfigurationError

log = logging.getLogger(__name__)

KEY_ENV = "TOOLBELT_SECRET_KEY"
KEY_FILE = "secret.key"
MASK = "********"
MIN_MASKED_LENGTH = 1  # every known secret, whatever its length (`clients add` refuses secrets under 8)


class SecretKeyError(ConfigurationError):
    """The encryption key is missing, malformed, or does not open a stored secret."""


def key_path(home: Path | None = None) -> Path:
    """Where the generated key lives: ``$TOOLBELT_HOME/secret.key``."""
    if home is None:
        from runner.store.database import toolbelt_home

        home = toolbelt_home()
    return Path(home) / KEY_FILE


def _create_key_file(path: Path) -> None:
    """Write a new key atomically with mode 0600; if another process won the race, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".secret.", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
            log.info("generated a new secret key at %s", path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def load_key(home: Path | None = None) -> bytes:
    """The Fernet key: ``TOOLBELT_SECRET_KEY`` or the key file (created on first use).

    Raises:
        SecretKeyError: the key is not a valid Fernet key.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        key = env.strip().encode()
        source = KEY_ENV
    else:
        path = key_path(home)
        if not path.exists():
            _create_key_file(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by others (mode %o); chmod 600 it", path, mode)
        key = path.read_bytes().strip()
        source = str(path)
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise SecretKeyError(
            f"the secret key from {source} is not a valid Fernet key "
            "(32 url-safe base64-encoded bytes; make one with cryptography's Fernet.generate_key())"
        ) from None
    return key


def encrypt(plaintext: str, *, key: bytes | None = None) -> str:
    """Encrypt ``plaintext``; returns a Fernet token as text."""
    return Fernet(key or load_key()).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, key: bytes | None = None, what: str = "a stored secret") -> str:
    """Decrypt a token made by :func:`encrypt`.

    Raises:
        SecretKeyError: the token does not open with this key (the key changed?).
    """
    try:
        return Fernet(key or load_key()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SecretKeyError(
            f"cannot decrypt {what} with the current secret key; was {KEY_ENV} or "
            f"$TOOLBELT_HOME/{KEY_FILE} changed? Add the profile again."
        ) from None


def encodings_of(value: str) -> set[str]:
    """The forms a secret commonly takes in logs and headers."""
    forms = {value}
    once = quote(value, safe="")
    forms.update({once, quote(once, safe=""), quote_plus(value), json.dumps(value)[1:-1]})
    forms.add(quote(value + "&", safe=""))  # PLAINTEXT signature as it appears in a header
    raw = value.encode("utf-8")
    forms.update({base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()})
    return {f for f in forms if len(f) >= MIN_MASKED_LENGTH}


@functools.lru_cache(maxsize=64)
def _pattern(values: frozenset[str]) -> re.Pattern[str] | None:
    forms: set[str] = set()
    for value in values:
        if value and len(value) >= MIN_MASKED_LENGTH:
            forms |= encodings_of(value)
    if not forms:
        return None
    ordered = sorted(forms, key=lambda f: (-len(f), f))  # longest first: never leave a tail unmasked
    return re.compile("|".join(map(re.escape, ordered)))


def mask(text: str, values: Iterable[str]) -> str:
    """``text`` with every known secret value (in any of its common encodings) replaced by ``********``.

    The compiled pattern is cached per set of values, so calling this on every log line
    is cheap. Values shorter than :data:`MIN_MASKED_LENGTH` characters are ignored.
    """
    pattern = _pattern(values if isinstance(values, frozenset) else frozenset(values))
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)
