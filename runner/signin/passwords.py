"""Password hashes for the dashboard's own sign-in (scrypt from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import sqlalchemy as sa

from runner.store import User, session_scope
from schoology_etl.errors import ConfigurationError

MIN_PASSWORD_LENGTH = 12
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password_hash(stored: str | None, password: str) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$", 2)
    again = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(again, base64.b64decode(digest))


def set_password(user: str, password: str) -> None:
    """Store ``user``'s password hash (creating the user if new).

    Raises:
        ConfigurationError: the password is shorter than 12 characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(f"the password of {user!r} must have at least {MIN_PASSWORD_LENGTH} characters")
    with session_scope() as s:
        row = s.scalar(sa.select(User).where(User.name == user))
        if row is None:
            row = User(name=user)
            s.add(row)
        row.password_hash = hash_password(password)


def verify_password(user: str, password: str) -> bool:
    """True when ``user`` has a password and ``password`` is it."""
    with session_scope() as s:
        stored = s.scalar(sa.select(User.password_hash).where(User.name == user))
    return check_password_hash(stored, password)
