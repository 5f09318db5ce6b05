"""Client profiles in the store: encryption at rest, CRUD, resolution through the library."""

from __future__ import annotations

import secrets as pysecrets
from pathlib import Path

import pytest

import schoology_etl
from runner import profile_store
from runner.profile_store import (
    ProfileExistsError,
    SecretRequiredError,
    UnknownProfileError,
    add_profile,
    get_profile,
    known_secret_values,
    list_profiles,
    remove_profile,
    resolve_profile,
    stored_secret_values,
    update_profile,
)
from schoology_etl.errors import ConfigurationError
from tests.fixtures.ports import refused_port


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite store and key file in a temporary toolbelt home."""
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.delenv("TOOLBELT_SECRET_KEY", raising=False)
    return tmp_path / "toolbelt.db"


def test_secrets_never_stored_in_clear(store: Path) -> None:
    secret, sql_password, sftp_password = (pysecrets.token_hex(16) for _ in range(3))
    add_profile("district", base_url="http://127.0.0.1:9/v1", key="k" + pysecrets.token_hex(8), secret=secret,
                sql_url=f"postgresql://u:{sql_password}@127.0.0.1/db",
                sftp={"host": "127.0.0.1", "port": 2222, "username": "sis", "password": sftp_password})
    raw = b"".join(p.read_bytes() for p in store.parent.glob("toolbelt.db*"))
    assert b"district" in raw  # the row is there...
    for value in (secret, sql_password, sftp_password):
        assert value.encode() not in raw  # ...but never a secret in clear (WAL files included)
    got = get_profile("district")
    assert got.secret == secret and got.sql_url is not None and sql_password in got.sql_url
    assert got.sftp is not None and got.sftp.password == sftp_password and got.sftp.port == 2222
    assert secret not in repr(got)


def test_crud(store: Path) -> None:
    secret = pysecrets.token_hex(16)
    info = add_profile("a", base_url="http://127.0.0.1:9/v1/", key="key123456", secret=secret)
    assert info.base_url == "http://127.0.0.1:9/v1" and info.key_hint == "key…"
    assert secret not in str(info.to_dict())
    with pytest.raises(ProfileExistsError, match="client 'a' already exists"):
        add_profile("a", base_url="https://x/v1", key="k", secret="s3cret-long")
    with pytest.raises(SecretRequiredError, match="signing method needs its secret entered again"):
        update_profile("a", signature_method="plaintext")
    update_profile("a", signature_method="plaintext", secret=secret)
    assert get_profile("a").signature_method == "PLAINTEXT" and get_profile("a").secret == secret
    add_profile("b", base_url="http://127.0.0.1:9/v1", key="kb", secret=pysecrets.token_hex(8))
    assert [p.name for p in list_profiles()] == ["a", "b"]
    remove_profile("a")
    with pytest.raises(UnknownProfileError, match=r"no client profile named 'a' \(stored: b\)"):
        get_profile("a")
    with pytest.raises(UnknownProfileError):
        remove_profile("a")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "1bad"}, "client name '1bad'"),
        ({"base_url": "ftp://x"}, "base URL must be http"),
        ({"key": ""}, "key is empty"),
        ({"secret": ""}, "secret is empty"),
        ({"signature_method": "RSA"}, "signature method must be one of"),
        ({"sftp": {"port": 22}}, "SFTP settings need a host"),
        ({"sftp": {"host": "h", "token": "x"}}, "unknown SFTP settings: token"),
    ],
)
def test_invalid_profiles_refused(store: Path, kwargs: dict, message: str) -> None:
    args = {"name": "ok", "base_url": "http://127.0.0.1:9/v1", "key": "k", "secret": "s3cret-long!", **kwargs}
    with pytest.raises(ConfigurationError, match=message):
        add_profile(args.pop("name"), **args)


def test_resolution_through_the_library_entry_point(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = pysecrets.token_hex(16)
    add_profile("stored", base_url="http://127.0.0.1:9/v1", key="kk", secret=secret)
    assert resolve_profile("missing") is None
    assert schoology_etl.resolve_profile("stored").secret == secret
    monkeypatch.setenv("TOOLBELT_CLIENT_ENVONLY_KEY", "ek")
    monkeypatch.setenv("TOOLBELT_CLIENT_ENVONLY_SECRET", "es-" + secret)
    assert schoology_etl.resolve_profile("envonly").key == "ek"  # the store answers None, env is next


def test_lookup_does_not_create_a_store(store: Path) -> None:
    assert resolve_profile("anything") is None
    assert not store.exists()


def test_known_secret_values(store: Path) -> None:
    secret, password = pysecrets.token_hex(16), pysecrets.token_hex(8)
    add_profile("x", base_url="http://127.0.0.1:9/v1", key="kk", secret=secret,
                sql_url=f"mysql+pymysql://root:{password}@127.0.0.1/db")
    values = known_secret_values()
    assert secret in values and password in values
    assert (store.parent / "secret.key").read_bytes().decode() in values
    assert set(stored_secret_values()) <= set(values)


def test_undecryptable_profile_skipped_for_masking(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_profile("old", base_url="http://127.0.0.1:9/v1", key="kk", secret=pysecrets.token_hex(16))
    (store.parent / "secret.key").unlink()  # the key is lost: a new one is generated
    assert stored_secret_values() == []
    with pytest.raises(ConfigurationError, match="cannot decrypt the secret of client 'old'"):
        get_profile("old")


def test_profile_test_reports_the_typed_error(store: Path) -> None:
    with refused_port() as port:
        add_profile("down", base_url=f"http://127.0.0.1:{port}/v1", key="kk", secret=pysecrets.token_hex(8))
        result = profile_store.test_profile("down", sleep=lambda _s: None)
    assert not result.ok and result.error_class == "NetworkError"
