"""Administering client profiles, with the admin role checked: what the CLI's
``toolbelt clients`` and the dashboard's Clients view both call.

Listing is open to every signed-in user (they choose a client to run a job for);
adding, editing, removing and testing need the admin role. Testing sends a signed
request with the stored secret, so it is as sensitive as editing.
"""

from __future__ import annotations

from typing import Any

from runner import profile_store
from runner.roles import ADMIN, require_role


def add_client(user: str, name: str, **fields: Any) -> profile_store.ProfileInfo:
    """:func:`runner.profile_store.add_profile` for an admin."""
    require_role(user, ADMIN, f"add client {name!r}")
    return profile_store.add_profile(name, **fields)


def update_client(user: str, name: str, **changes: Any) -> profile_store.ProfileInfo:
    """:func:`runner.profile_store.update_profile` for an admin (a moved secret must be entered again)."""
    require_role(user, ADMIN, f"edit client {name!r}")
    return profile_store.update_profile(name, **changes)


def remove_client(user: str, name: str) -> None:
    require_role(user, ADMIN, f"remove client {name!r}")
    profile_store.remove_profile(name)


def test_client(user: str, name: str, **options: Any) -> profile_store.ProfileTestResult:
    """One signed request with client ``name``'s stored credentials, for an admin."""
    require_role(user, ADMIN, f"test client {name!r}")
    return profile_store.test_profile(name, **options)


test_client.__test__ = False  # type: ignore[attr-defined]
