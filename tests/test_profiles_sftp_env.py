"""SFTP settings of a client profile resolved from the environment (TOOLBELT_CLIENT_<NAME>_SFTP_*)."""

from __future__ import annotations

import pytest

from schoology_etl import profiles
from schoology_etl.errors import ConfigurationError
from schoology_etl.profiles import SFTPSettings, resolve_profile

BASE = {"TOOLBELT_CLIENT_DEMO_DISTRICT_KEY": "k", "TOOLBELT_CLIENT_DEMO_DISTRICT_SECRET": "s"}


@pytest.fixture(autouse=True)
def no_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiles, "entry_points", lambda group: [])


def test_sftp_settings_come_from_the_environment() -> None:
    env = {**BASE, "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_HOST": "127.0.0.1",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_PORT": "2222", "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_USER": "district",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_PASSWORD": "pw-123",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_HOST_KEY": "ssh-ed25519 AAAAC3"}
    profile = resolve_profile("demo-district", environ=env)
    assert profile.sftp == SFTPSettings(host="127.0.0.1", port=2222, username="district", password="pw-123",
                                        private_key=None, host_key="ssh-ed25519 AAAAC3")
    assert "pw-123" not in repr(profile)


def test_sftp_private_key_and_default_port() -> None:
    env = {**BASE, "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_HOST": "sftp.example.test",
           "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_USER": "u", "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_PRIVATE_KEY": "/keys/id"}
    sftp = resolve_profile("demo-district", environ=env).sftp
    assert sftp is not None and (sftp.port, sftp.private_key, sftp.password) == (22, "/keys/id", None)


def test_no_sftp_variables_no_sftp_settings() -> None:
    assert resolve_profile("demo-district", environ=BASE).sftp is None


@pytest.mark.parametrize("extra, message", [
    ({"TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_USER": "u"}, "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_HOST"),
    ({"TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_HOST": "h", "TOOLBELT_CLIENT_DEMO_DISTRICT_SFTP_PORT": "ssh"},
     "SFTP_PORT is not a port number: 'ssh'"),
])
def test_bad_sftp_variables_are_named(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_profile("demo-district", environ={**BASE, **extra})
