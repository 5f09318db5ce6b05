"""The sandbox SFTP site, reached with the library's own SFTPConnection (pinned host key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from schoology_etl.errors import ConfigurationError, ConnectorError
from schoology_etl.io.sftp import HostKeyMismatchError, SFTPConnection, read_sftp_csv
from schoology_sandbox.sftp_server import OUTGOING_FILES, SandboxSFTPServer


@pytest.fixture
def sis_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sis"
    folder.mkdir()
    for name in OUTGOING_FILES:
        (folder / name).write_text(f"school_uid,name\nS1,{name}\n")
    return folder


@pytest.fixture
def site(sis_dir: Path):
    with SandboxSFTPServer(sis_dir=sis_dir) as srv:
        yield srv


def _conn(srv: SandboxSFTPServer, **overrides: object) -> SFTPConnection:
    settings = {**srv.settings(), "timeout": 5.0, "retries": 0, **overrides}
    return SFTPConnection(**settings)  # type: ignore[arg-type]


def _public_key() -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return private, public


def test_sftp_site_serves_the_demo_export_and_an_empty_incoming_folder(site: SandboxSFTPServer, tmp_path: Path) -> None:
    assert site.host == "127.0.0.1" and site.port > 0
    assert site.host_key.startswith("ssh-ed25519 ")
    with _conn(site) as sftp:
        assert [e.name for e in sftp.listdir("/")] == ["incoming", "outgoing"]
        assert [e.name for e in sftp.listdir("outgoing")] == sorted(OUTGOING_FILES)
        assert sftp.listdir("/incoming") == []
        got = sftp.download("/outgoing/users.csv", tmp_path / "users.csv")
    assert got.read_text() == "school_uid,name\nS1,users.csv\n"
    assert list(read_sftp_csv(_conn(site), "/outgoing/parents.csv")) == [{"school_uid": "S1", "name": "parents.csv"}]


def test_sftp_site_takes_atomic_uploads_into_incoming(site: SandboxSFTPServer, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    with _conn(site) as sftp:
        sftp.upload(report, "/incoming/report.csv")
        sftp.upload(report, "/incoming/report.csv")  # replacing is the caller's choice
        assert [e.name for e in sftp.listdir("/incoming")] == ["report.csv"]
        assert sftp.exists("/incoming/report.csv") and not sftp.exists("/incoming/other.csv")
    assert site.root is not None
    assert (site.root / "incoming" / "report.csv").read_text() == "a,b\n1,2\n"


def test_sftp_site_never_serves_outside_its_root(site: SandboxSFTPServer, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    assert site.root is not None
    (site.root / "outgoing" / "link").symlink_to(outside)
    with _conn(site) as sftp:
        assert [e.name for e in sftp.listdir("/../..")] == ["incoming", "outgoing"]
        with pytest.raises(ConnectorError, match="outgoing/link"):
            sftp.download("/outgoing/link", tmp_path / "copy.txt")
    assert outside.read_text() == "no"


def test_sftp_site_refuses_a_wrong_password_naming_user_and_host(site: SandboxSFTPServer) -> None:
    with pytest.raises(ConnectorError, match=rf"'district' at 127\.0\.0\.1:{site.port}"):
        _conn(site, password="wrong").connect()


def test_sftp_site_host_key_and_password_are_fresh_per_start(sis_dir: Path) -> None:
    with SandboxSFTPServer(sis_dir=sis_dir) as first:
        old = first.settings()
    with SandboxSFTPServer(sis_dir=sis_dir) as second:
        assert second.host_key != old["host_key"] and second.password != old["password"]
        with pytest.raises(HostKeyMismatchError, match="did not match"):
            _conn(second, host_key=old["host_key"]).connect()
        assert "password" not in repr(second) and second.password not in repr(second)


def test_sftp_site_accepts_an_authorized_public_key(sis_dir: Path) -> None:
    private, public = _public_key()
    with SandboxSFTPServer(sis_dir=sis_dir, authorized_key=public) as srv:
        settings = {**srv.settings(), "password": None, "private_key": private}
        with _conn(srv, **settings) as sftp:
            assert sftp.exists("/outgoing/users.csv")
        _other, other_public = _public_key()
        with pytest.raises(ConnectorError, match="authentication failed"):
            _conn(srv, password=None, private_key=_other).connect()


def test_sftp_site_stops_listening_and_removes_its_temporary_root(sis_dir: Path) -> None:
    srv = SandboxSFTPServer(sis_dir=sis_dir).start()
    root, settings = srv.root, srv.settings()
    srv.stop()
    assert root is not None and not root.exists()
    with pytest.raises(ConnectorError, match=str(settings["port"])):
        SFTPConnection(**{**settings, "timeout": 2.0, "retries": 0}).connect()


def test_sftp_site_names_a_missing_demo_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="users.csv"):
        SandboxSFTPServer(sis_dir=tmp_path).start()


def test_sftp_site_without_a_folder_fills_from_the_demo_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schoology_sandbox.sftp_server import fill_demo_site

    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(tmp_path / "demo"))
    root = fill_demo_site(tmp_path / "site")
    assert sorted(p.name for p in (root / "outgoing").iterdir()) == sorted(OUTGOING_FILES)
    assert (root / "outgoing" / "users.csv").read_bytes() == (tmp_path / "demo" / "sis" / "users.csv").read_bytes()


def test_sftp_site_serves_others_while_a_client_stalls(site: SandboxSFTPServer) -> None:
    import socket

    with socket.create_connection((site.host, site.port), timeout=5) as stalled:  # never says a word
        with _conn(site) as sftp:
            assert sftp.exists("/outgoing/users.csv")
        assert stalled.recv(8).startswith(b"SSH-")


def test_sftp_site_folder_and_rename_operations(site: SandboxSFTPServer) -> None:
    conn = _conn(site)
    try:
        client = conn.connect()
        client.mkdir("/incoming/batch")
        with client.open("/incoming/batch/a.csv", "w") as fh:
            fh.write(b"x\n")
        client.chmod("/incoming/batch/a.csv", 0o600)
        assert client.stat("/incoming/batch/a.csv").st_mode & 0o777 == 0o600
        with pytest.raises(IOError):
            client.rename("/incoming/batch/a.csv", "/outgoing/users.csv")  # plain rename never replaces
        client.rename("/incoming/batch/a.csv", "/incoming/a.csv")
        client.rmdir("/incoming/batch")
        assert client.listdir("/incoming") == ["a.csv"]
        assert client.normalize("incoming/../outgoing") == "/outgoing"
    finally:
        conn.close()
    assert site.root is not None and (site.root / "outgoing" / "users.csv").read_text().endswith("users.csv\n")
