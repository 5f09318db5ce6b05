"""Profile resolution: entry points first, then the environment."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

import pytest

from schoology_etl import profiles
from schoology_etl.client import SchoologyClient
from schoology_etl.errors import ConfigurationError
from schoology_etl.profiles import Profile, SFTPSettings, connect, env_name, resolve_profile


def lookup_demo(name: str):
    return {"base_url": "http://127.0.0.1:9/v1", "key": "ep-key", "secret": "ep-secret",
            "sftp": {"host": "127.0.0.1", "port": 2222, "password": "pw"}} if name == "from-ep" else None


@pytest.fixture
def fake_entry_points(monkeypatch):
    eps = [EntryPoint("broken", "no_such_module_xyz:lookup", profiles.ENTRY_POINT_GROUP),
           EntryPoint("demo", f"{__name__}:lookup_demo", profiles.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(profiles, "entry_points", lambda group: [e for e in eps if e.group == group])


def test_entry_point_wins_and_a_broken_one_is_skipped(fake_entry_points, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="schoology_etl.profiles"):
        p = resolve_profile("from-ep", environ={})
    assert p.key == "ep-key" and p.sftp == SFTPSettings(host="127.0.0.1", port=2222, password="pw")
    assert "broken" in caplog.text


def test_environment_is_the_fallback(fake_entry_points) -> None:
    env = {"TOOLBELT_CLIENT_DEMO_DISTRICT_BASE_URL": "http://127.0.0.1:9/v1",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_KEY": "k", "TOOLBELT_CLIENT_DEMO_DISTRICT_SECRET": "s",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SIGNATURE_METHOD": "PLAINTEXT",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SQL_URL": "postgresql://u:pw@127.0.0.1/x"}
    p = resolve_profile("demo-district", environ=env)
    assert (p.base_url, p.key, p.secret, p.signature_method) == ("http://127.0.0.1:9/v1", "k", "s", "PLAINTEXT")
    assert p.credentials.signature_method == "PLAINTEXT"
    assert "pw" not in repr(p) and "s'" not in repr(p).replace("'***'", "")


def test_unknown_name_says_what_was_tried(fake_entry_points) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_profile("nobody", environ={})
    assert "nobody" in str(info.value) and "TOOLBELT_CLIENT_NOBODY_" in str(info.value)
    assert "entry point demo" in str(info.value)


def test_half_configured_environment_names_the_missing_variable(fake_entry_points) -> None:
    with pytest.raises(ConfigurationError, match="TOOLBELT_CLIENT_X_SECRET"):
        resolve_profile("x", environ={"TOOLBELT_CLIENT_X_KEY": "k"})


def test_connect_accepts_a_profile() -> None:
    client = connect(Profile(name="p", base_url="http://127.0.0.1:9/v1", key="kk", secret="ss"), rate_limit=7)
    assert isinstance(client, SchoologyClient) and client.limiter.rate == 7
    client.close()


def test_env_name() -> None:
    assert env_name("demo-district 2") == "DEMO_DISTRICT_2"


def test_aconnect_shares_the_credential_limiter_with_connect() -> None:
    from schoology_etl.async_client import AsyncSchoologyClient
    from schoology_etl.profiles import aconnect

    profile = Profile(name="p2", base_url="http://127.0.0.1:9/v1", key="shared-p2", secret="ss")
    sync_client, async_client = connect(profile), aconnect(profile)
    assert isinstance(async_client, AsyncSchoologyClient)
    assert async_client.limiter is sync_client.limiter
    sync_client.close()
