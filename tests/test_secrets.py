"""Secret key handling and masking."""

from __future__ import annotations

import base64
import json
import secrets as pysecrets
import stat
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet

from runner import secrets
from runner.secrets import MASK, SecretKeyError, decrypt, encrypt, load_key, mask


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_SECRET_KEY", raising=False)
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    return tmp_path


def test_key_file_generated_once_with_mode_0600(home: Path) -> None:
    key = load_key()
    path = home / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key() == key == path.read_bytes()
    Fernet(key)  # a valid key
    assert [p.name for p in home.iterdir()] == ["secret.key"]  # no temp file left behind


def test_key_from_env_wins(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_key = Fernet.generate_key()
    monkeypatch.setenv("TOOLBELT_SECRET_KEY", env_key.decode())
    assert load_key() == env_key
    assert not (home / "secret.key").exists()


def test_bad_env_key(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretKeyError, match="TOOLBELT_SECRET_KEY is not a valid Fernet key"):
        load_key()


def test_round_trip_and_wrong_key(home: Path) -> None:
    value = pysecrets.token_hex(16)
    token = encrypt(value)
    assert value not in token
    assert decrypt(token) == value
    with pytest.raises(SecretKeyError, match="cannot decrypt the secret of x with the current secret key"):
        decrypt(token, key=Fernet.generate_key(), what="the secret of x")


def test_mask_plain_and_encoded_forms() -> None:
    secret = pysecrets.token_urlsafe(12) + "/+&="
    text = " | ".join([
        f"secret={secret}",
        f'oauth_signature="{quote(quote(secret, safe="") + "&", safe="")}"',  # PLAINTEXT in a header
        f"once={quote(secret, safe='')}",
        f"json={json.dumps({'s': secret})}",
        f"b64={base64.b64encode(secret.encode()).decode()}",
    ])
    masked = mask(text, [secret])
    assert secret not in masked and quote(secret, safe="") not in masked
    assert base64.b64encode(secret.encode()).decode() not in masked
    assert masked.count(MASK) == 5
    assert masked.startswith("secret=********")


def test_mask_longest_first() -> None:
    short, long = "abcdef12", "abcdef12345678"
    assert mask(f"{long} {short}", [short, long]) == f"{MASK} {MASK}"


def test_mask_covers_secrets_of_any_length_and_ignores_empty_values() -> None:
    assert mask("pin 4711 and x", ["4711", ""]) == f"pin {MASK} and x"  # a short secret still never shows
    assert mask("nothing here", []) == "nothing here"


def test_mask_is_cheap_per_line() -> None:
    values = [pysecrets.token_hex(16) for _ in range(50)]
    lines = [f"line {i} with {values[i % 50]}" for i in range(2000)]
    out = [mask(line, values) for line in lines]
    assert all(MASK in line and "with " in line for line in out)
    assert secrets._pattern.cache_info().hits >= 1999
