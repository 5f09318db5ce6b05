"""Signing and redaction, without a network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, unquote

import pytest
from oauthlib.oauth1.rfc5849 import signature as sig
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from schoology_etl.auth import REALM, redact_headers, redact_text, redact_url, sign_headers
from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError


@pytest.fixture
def creds() -> Credentials:
    return Credentials(base_url="http://127.0.0.1:9/v1", key=secrets.token_hex(8), secret=secrets.token_hex(16))


def header_params(header: str) -> dict[str, str]:
    return {k: unquote(v) for k, v in parse_authorization_header(header)}


def hmac_sha1(base: str, secret: str) -> str:
    key = f"{quote(secret, safe='~')}&".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


def test_hmac_signature_verifies_over_method_url_and_query(creds: Credentials) -> None:
    url = "http://127.0.0.1:9/v1/users?role_ids=3%2C4&start=0&limit=200"
    params = header_params(sign_headers(creds, "GET", url)["Authorization"])
    assert params["realm"] == REALM
    assert params["oauth_token"] == ""
    assert params["oauth_signature_method"] == "HMAC-SHA1"
    assert params["oauth_consumer_key"] == creds.key
    # rebuild the base string the way a server does: query + oauth params, no body
    query = [("role_ids", "3,4"), ("start", "0"), ("limit", "200")]
    oauth = [(k, v) for k, v in params.items() if k not in ("realm", "oauth_signature")]
    base = sig.signature_base_string("GET", sig.base_string_uri(url), sig.normalize_parameters(query + oauth))
    assert hmac_sha1(base, creds.secret) == params["oauth_signature"]


def test_json_body_is_not_part_of_the_signature(creds: Credentials) -> None:
    url = "http://127.0.0.1:9/v1/users"
    params = header_params(sign_headers(creds, "POST", url)["Authorization"])
    assert "oauth_body_hash" not in params
    oauth = [(k, v) for k, v in params.items() if k not in ("realm", "oauth_signature")]
    base = sig.signature_base_string("POST", sig.base_string_uri(url), sig.normalize_parameters(oauth))
    assert hmac_sha1(base, creds.secret) == params["oauth_signature"]


def test_plaintext_signature_is_secret_and_empty_token_secret() -> None:
    c = Credentials(base_url="http://127.0.0.1:9/v1", key="k" * 8, secret="a&b c", signature_method="PLAINTEXT")
    params = header_params(sign_headers(c, "GET", "http://127.0.0.1:9/v1/users")["Authorization"])
    assert params["oauth_signature_method"] == "PLAINTEXT"
    assert params["oauth_signature"] == "a%26b%20c&"


def test_every_send_gets_a_fresh_nonce(creds: Credentials) -> None:
    nonces = {header_params(sign_headers(creds, "GET", "http://127.0.0.1:9/v1/users")["Authorization"])
              ["oauth_nonce"] for _ in range(200)}
    assert len(nonces) == 200


def test_credentials_repr_hides_the_secret(creds: Credentials) -> None:
    assert creds.secret not in repr(creds)
    assert creds.key not in repr(creds)
    assert creds.secret not in str(creds)


@pytest.mark.parametrize("kw", [dict(key=""), dict(secret=""), dict(base_url="ftp://x"), dict(signature_method="RSA")])
def test_bad_credentials_are_refused(kw: dict) -> None:
    base = dict(base_url="http://127.0.0.1:9/v1", key="k", secret="s")
    with pytest.raises(ConfigurationError):
        Credentials(**{**base, **kw})


def test_redaction_drops_authorization_and_oauth_values(creds: Credentials) -> None:
    header = sign_headers(creds, "GET", "http://127.0.0.1:9/v1/users")
    assert redact_headers({**header, "Accept": "x"}) == {"Authorization": "***", "Accept": "x"}
    text = redact_text(header["Authorization"])
    assert creds.key not in text and "oauth_signature=\"***\"" in text
    assert redact_url("http://h/v1/users?start=0&oauth_signature=abc&oauth_nonce=1") == "http://h/v1/users?start=0"
