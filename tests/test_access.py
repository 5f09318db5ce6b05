"""Identity from the environment; access checks against the store's users and groups."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from runner.access import AccessDenied, add_to_groups, check_access, groups_of, iter_users, may_run, remove_from_group
from runner.header import parse_header_text
from runner.identity import current_user
from runner.store import session_scope

RESTRICTED = parse_header_text("title: Fix parents\naccess: [provisioners, support]")
OPEN = parse_header_text("title: Export")
NOBODY = parse_header_text("title: Locked\naccess: []")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'toolbelt.db'}"


def test_cli_identity_is_the_os_user_unless_the_deployment_trusts_jupyterhub(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.access import add_to_groups as join
    from runner.identity import TRUST_SETTING
    from runner.roles import NotAllowedError, set_setting
    from runner.store import dispose_engines

    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    try:
        # an environment variable anyone can set is not believed, nor a header-named variable
        assert current_user({"JUPYTERHUB_USER": "hub-ann"}) == getpass.getuser()
        assert current_user({"TOOLBELT_USER_HEADER": "X-User", "HTTP_X_USER": "bob"}) == getpass.getuser()
        with pytest.raises(NotAllowedError, match="admin role"):
            set_setting(TRUST_SETTING, "jupyterhub", user="hub-ann")
        join("root-admin", ["admins"])
        set_setting(TRUST_SETTING, "jupyterhub", user="root-admin")
        assert current_user({"JUPYTERHUB_USER": "hub-ann"}) == "hub-ann"
        assert current_user({}) == getpass.getuser()
    finally:
        dispose_engines()


def test_refusal_names_user_job_and_groups(store_url: str) -> None:
    with pytest.raises(AccessDenied) as info:
        check_access("ann", RESTRICTED, store_url, job="fix_parents")
    assert str(info.value) == (
        "user 'ann' may not run job 'fix_parents': it needs membership of one of the groups: provisioners, support"
    )
    assert info.value.needed == ("provisioners", "support")


def test_membership_grants_access(store_url: str) -> None:
    add_to_groups("ann", ["support"], store_url)
    check_access("ann", RESTRICTED, store_url)
    assert groups_of("ann", store_url) == {"support"}
    assert remove_from_group("ann", "support", store_url) is True
    assert remove_from_group("ann", "support", store_url) is False
    assert not may_run("ann", RESTRICTED, store_url)


def test_open_job_needs_only_a_signed_in_user(store_url: str) -> None:
    check_access("anyone", OPEN, store_url)
    with pytest.raises(AccessDenied):
        check_access("", OPEN, store_url)


def test_empty_access_list_is_admins_only(store_url: str) -> None:
    add_to_groups("root", ["admins"], store_url)
    add_to_groups("ann", ["provisioners", "support"], store_url)
    check_access("root", NOBODY, store_url)
    check_access("root", RESTRICTED, store_url)
    with pytest.raises(AccessDenied, match="groups: none"):
        check_access("ann", NOBODY, store_url)
    assert list(iter_users(store_url)) == [("ann", ["provisioners", "support"]), ("root", ["admins"])]


def test_check_access_with_an_open_session(store_url: str) -> None:
    add_to_groups("ann", ["provisioners"], store_url)
    with session_scope(store_url) as session:
        check_access("ann", RESTRICTED, session)
        with pytest.raises(AccessDenied):
            check_access("bob", RESTRICTED, session)
