"""The SFTP connector against a real OpenSSH sshd on a loopback port (fixture ``sshd``)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from schoology_etl.errors import ConfigurationError, ConnectorError, RecordError, SourceFormatError
from schoology_etl.io.sftp import (
    HostKeyMismatchError,
    SFTPConnection,
    fingerprint,
    parse_host_key,
    read_sftp_csv,
    write_sftp_csv,
)
from schoology_etl.profiles import Profile, SFTPSettings
from tests.fixtures.ports import refused_port
from tests.fixtures.sshd import SSHServer


@pytest.fixture
def remote(sshd: SSHServer) -> Path:
    """A fresh directory of the login user's on the server (a local path: same machine)."""
    path = sshd.root / uuid.uuid4().hex[:10]
    path.mkdir()
    return sshd.give(path)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _conn(sshd: SSHServer, sleeps: list[float] | None = None, **overrides: object) -> SFTPConnection:
    if sleeps is not None:
        overrides.setdefault("sleep", sleeps.append)
    return SFTPConnection(**sshd.settings(**overrides))  # type: ignore[arg-type]


def _other_public_key(kind: str = "ed25519") -> str:
    key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


# -- the happy paths -------------------------------------------------------------------


def test_sftp_key_auth_list_upload_download(sshd: SSHServer, remote: Path, tmp_path: Path) -> None:
    local = tmp_path / "roster.csv"
    local.write_bytes(b"id,name\n1,Ada\n" * 5000)
    with _conn(sshd) as conn:
        conn.upload(local, f"{remote}/roster.csv")
        (remote / "sub").mkdir()
        entries = conn.listdir(str(remote))
        back = conn.download(f"{remote}/roster.csv", tmp_path / "back.csv")
    assert [(e.name, e.is_dir) for e in entries] == [("roster.csv", False), ("sub", True)]
    assert entries[0].size == local.stat().st_size and entries[0].mtime
    assert back.read_bytes() == local.read_bytes()
    assert _leftovers(remote) == [] and sorted(os.listdir(tmp_path)) == ["back.csv", "roster.csv"]


def test_sftp_password_auth_and_key_as_text(sshd: SSHServer, remote: Path) -> None:
    (remote / "a.txt").write_text("x")
    with _conn(sshd, private_key=None, password=sshd.password) as conn:
        assert [e.name for e in conn.listdir(str(remote))] == ["a.txt"]
    with _conn(sshd, private_key=sshd.private_key_path.read_text()) as conn:
        assert conn.exists(f"{remote}/a.txt") and not conn.exists(f"{remote}/b.txt")


def test_sftp_connection_from_a_profile(sshd: SSHServer, remote: Path) -> None:
    settings = SFTPSettings(host=sshd.host, port=sshd.port, username=sshd.username,
                            private_key=sshd.private_key, host_key=sshd.host_key)
    profile = Profile(name="district", sftp=settings)
    (remote / "in.csv").write_text("id\n1\n")
    with SFTPConnection.from_profile(profile) as conn:
        assert [e.name for e in conn.listdir(str(remote))] == ["in.csv"]
    assert list(read_sftp_csv(profile, f"{remote}/in.csv")) == [{"id": "1"}]
    with pytest.raises(ConfigurationError, match="'district' has no SFTP settings"):
        SFTPConnection.from_profile(Profile(name="district"))


# -- trust and authentication ----------------------------------------------------------


def test_sftp_unknown_host_key_is_refused_naming_the_offered_fingerprint(sshd: SSHServer, sleeps: list[float]) -> None:
    offered = fingerprint(parse_host_key(sshd.host_key))
    with pytest.raises(HostKeyMismatchError) as info:
        _conn(sshd, sleeps, host_key=_other_public_key()).connect()
    message = str(info.value)
    assert f"host key for 127.0.0.1:{sshd.port} did not match" in message
    assert f"ssh-ed25519 {offered}" in message and offered.startswith("SHA256:")
    assert sleeps == []  # never retried


def test_sftp_host_key_of_another_type_is_refused(sshd: SSHServer) -> None:
    with pytest.raises(HostKeyMismatchError, match=f"host key for 127.0.0.1:{sshd.port} did not match"):
        _conn(sshd, host_key=_other_public_key("ecdsa")).connect()


def test_sftp_missing_host_key_or_credentials_are_configuration_errors(sshd: SSHServer) -> None:
    with pytest.raises(ConfigurationError, match="no host key configured for 127.0.0.1"):
        _conn(sshd, host_key=None)
    with pytest.raises(ConfigurationError, match="not a usable host key|must look like"):
        _conn(sshd, host_key="ssh-ed25519 not-base64!")
    with pytest.raises(ConfigurationError, match="no password or private key"):
        _conn(sshd, private_key=None)


def test_sftp_wrong_password_names_user_and_host(sshd: SSHServer, sleeps: list[float]) -> None:
    with pytest.raises(ConnectorError) as info:
        _conn(sshd, sleeps, private_key=None, password="wrong-" + sshd.password).connect()
    assert f"authentication failed for user '{sshd.username}' at 127.0.0.1:{sshd.port} (password)" in str(info.value)
    assert sshd.password not in str(info.value)
    assert isinstance(info.value.__cause__, paramiko.AuthenticationException)
    assert sleeps == []  # a refused password is not retried


def test_sftp_connection_refused_is_retried_then_reported(sleeps: list[float], sshd: SSHServer) -> None:
    with refused_port() as closed_port, pytest.raises(ConnectorError, match=f"connect failed at 127.0.0.1:{closed_port}"):
        _conn(sshd, sleeps, port=closed_port, retries=2).connect()
    assert len(sleeps) == 2


# -- missing files, permissions --------------------------------------------------------


def test_sftp_missing_remote_file_names_host_and_path(sshd: SSHServer, remote: Path, tmp_path: Path) -> None:
    missing = f"{remote}/nothing.csv"
    with _conn(sshd) as conn:
        with pytest.raises(ConnectorError, match=f"download: no such file: sftp://{sshd.username}@127.0.0.1:{sshd.port}{missing}"):
            conn.download(missing, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []  # no partial local file
    with pytest.raises(ConnectorError, match=f"open: no such file: .*127.0.0.1:{sshd.port}{missing}"):
        list(read_sftp_csv(_conn(sshd), missing))


def test_sftp_permission_denied_names_the_path(sshd: SSHServer, remote: Path, tmp_path: Path) -> None:
    locked_dir = remote / "locked"
    locked_dir.mkdir(mode=0o755)  # owned by root: the login user may not write here
    secret = remote / "secret.csv"
    secret.write_text("id\n1\n")
    secret.chmod(0o600)  # owned by root: not readable by the login user
    local = tmp_path / "up.csv"
    local.write_text("id\n1\n")
    with _conn(sshd) as conn:
        with pytest.raises(ConnectorError, match=f"upload: permission denied: .*:{sshd.port}{locked_dir}/up.csv"):
            conn.upload(local, f"{locked_dir}/up.csv")
        with pytest.raises(ConnectorError, match=f"download: permission denied: .*{secret}"):
            conn.download(str(secret), tmp_path / "secret.csv")
    assert list(locked_dir.iterdir()) == []
    assert not (tmp_path / "secret.csv").exists()


# -- atomic uploads and retries --------------------------------------------------------


def test_sftp_interrupted_upload_leaves_the_destination_as_it_was(sshd: SSHServer, remote: Path, tmp_path: Path) -> None:
    destination = remote / "roster.csv"
    destination.write_text("the old, complete file\n")
    local = tmp_path / "big.csv"
    local.write_bytes(os.urandom(300_000))

    def interrupt(sent: int, total: int) -> None:
        if sent >= 65536:
            raise KeyboardInterrupt  # the user stops the job mid-transfer

    with _conn(sshd) as conn:
        with pytest.raises(KeyboardInterrupt):
            conn.upload(local, str(destination), callback=interrupt)
        assert destination.read_text() == "the old, complete file\n"
        assert _leftovers(remote) == []
        conn.upload(local, str(destination))
    assert destination.read_bytes() == local.read_bytes()
    assert _leftovers(remote) == []


def test_sftp_dropped_connection_is_retried_on_a_fresh_one(sshd: SSHServer, remote: Path, tmp_path: Path, sleeps: list[float]) -> None:
    local = tmp_path / "up.csv"
    local.write_bytes(b"x" * 100_000)
    conn = _conn(sshd, sleeps, retries=3)
    with conn:
        conn._ssh.get_transport().close()  # type: ignore[union-attr]  # the network drops
        conn.upload(local, f"{remote}/up.csv")
        drops = 0

        def drop_mid_transfer(sent: int, total: int) -> None:
            nonlocal drops
            if drops == 0 and sent >= 32768:
                drops += 1
                conn._ssh.get_transport().close()  # type: ignore[union-attr]

        conn.upload(local, f"{remote}/again.csv", callback=drop_mid_transfer)
    assert len(sleeps) == 2
    assert (remote / "up.csv").read_bytes() == local.read_bytes()
    assert (remote / "again.csv").read_bytes() == local.read_bytes()
    assert _leftovers(remote) == []  # the temp of the broken attempt was cleaned up


# -- remote CSV ------------------------------------------------------------------------


def test_sftp_read_csv_streams_and_is_reiterable(sshd: SSHServer, remote: Path) -> None:
    lines = ["id,name"] + [f"{i},name {i}" for i in range(3000)]
    (remote / "students.csv").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    source = read_sftp_csv(_conn(sshd), f"{remote}/students.csv", required_columns=["id"])
    rows = list(source)
    assert len(rows) == 3000 and rows[0] == {"id": "0", "name": "name 0"}
    assert source.head(2) == rows[:2]
    assert list(source) == rows


def test_sftp_read_csv_bad_row_names_remote_file_and_line(sshd: SSHServer, remote: Path) -> None:
    (remote / "bad.csv").write_text("id,name\n1,a\n2,b,extra\n")
    with pytest.raises(SourceFormatError) as info:
        list(read_sftp_csv(_conn(sshd), f"{remote}/bad.csv"))
    assert info.value.line == 3
    assert str(info.value).startswith(f"sftp://{sshd.username}@127.0.0.1:{sshd.port}{remote}/bad.csv, line 3:")


def test_sftp_write_csv_is_atomic(sshd: SSHServer, remote: Path) -> None:
    target = f"{remote}/out.csv"
    with write_sftp_csv(_conn(sshd), target, fieldnames=["id", "name"]) as sink:
        sink.write_many({"id": i, "name": f"n{i}"} for i in range(1000))
        assert not (remote / "out.csv").exists()  # nothing on the server before close
    assert sink.written == 1000
    assert list(read_sftp_csv(_conn(sshd), target))[999] == {"id": "999", "name": "n999"}

    with pytest.raises(RuntimeError):
        with write_sftp_csv(_conn(sshd), target) as sink:
            sink.write({"id": "new"})
            raise RuntimeError("the job failed")
    with pytest.raises(RecordError, match="'email'"):
        with write_sftp_csv(_conn(sshd), target, fieldnames=["id"]) as sink:
            sink.write({"id": 1, "email": "x@example.org"})
    assert len(list(read_sftp_csv(_conn(sshd), target))) == 1000  # the old file, intact
    assert _leftovers(remote) == []


def test_sftp_write_csv_into_a_forbidden_directory_leaves_nothing(sshd: SSHServer, remote: Path) -> None:
    locked_dir = remote / "locked"
    locked_dir.mkdir(mode=0o755)
    with pytest.raises(ConnectorError, match=f"permission denied: .*{locked_dir}/out.csv"):
        with write_sftp_csv(_conn(sshd), f"{locked_dir}/out.csv") as sink:
            sink.write({"id": 1})
    assert list(locked_dir.iterdir()) == []
