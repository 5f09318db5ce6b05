"""``toolbelt demo`` serves the district's SFTP site and stores it in the ``sandbox`` client profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from schoology_etl.errors import ConnectorError
from schoology_etl.io.sftp import SFTPConnection


def test_demo_environment_stores_a_working_sftp_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner import profile_store
    from runner.demo_environment import DemoEnvironment
    from runner.store import dispose_engines

    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOOLBELT_DB", f"sqlite:///{tmp_path / 'home' / 'toolbelt.db'}")
    monkeypatch.setenv("TOOLBELT_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("TOOLBELT_DEMO_DIR", raising=False)
    (tmp_path / "home").mkdir()
    env = DemoEnvironment(users=60, dashboard=False, worker=False)
    env.start()
    try:
        profile = profile_store.get_profile("sandbox")
        assert profile.sftp is not None and env.sftp is not None
        assert (profile.sftp.host, profile.sftp.port, profile.sftp.host_key) == ("127.0.0.1", env.sftp.port, env.sftp.host_key)
        with SFTPConnection.from_profile(profile, timeout=5.0) as sftp:
            assert "users.csv" in [e.name for e in sftp.listdir("outgoing")]
            assert sftp.listdir("incoming") == []
        settings = profile.sftp
    finally:
        env.stop()
        dispose_engines()
    with pytest.raises(ConnectorError):
        SFTPConnection.from_settings(settings, timeout=2.0, retries=0).connect()
