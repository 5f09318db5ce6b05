"""The sandbox's OAuth checks, over real HTTP."""

from __future__ import annotations

import time

import requests
from oauthlib import oauth1

from tests.fixtures.sandbox import SignedRequests

REPLAY = "Duplicate timestamp/nonce combination, possible replay attack. Request rejected."


class _WithEmptyToken(oauth1.Client):
    """The header shape of the Schoology docs: realm first and an empty oauth_token (signed)."""

    def get_oauth_params(self, request):
        return [*super().get_oauth_params(request), ("oauth_token", "")]


def _signed(
    server,
    method="HMAC-SHA1",
    *,
    secret=None,
    timestamp=None,
    nonce=None,
    realm=None,
    path="/users",
    client_class=oauth1.Client,
):
    client = client_class(
        server.key,
        client_secret=secret or server.secret,
        signature_method=method,
        timestamp=timestamp,
        nonce=nonce,
        realm=realm,
    )
    return client.sign(server.base_url + path, http_method="GET")


def test_hmac_and_plaintext_are_accepted(sandbox):
    for method in ("HMAC-SHA1", "PLAINTEXT"):
        response = SignedRequests(sandbox, signature_method=method).get("users")
        assert response.status_code == 200, response.text
        assert response.headers["X-Schoology"] == "API"


def test_realm_and_empty_token_are_accepted(sandbox):
    for method in ("HMAC-SHA1", "PLAINTEXT"):
        url, headers, _ = _signed(sandbox, method, realm="Schoology API", client_class=_WithEmptyToken)
        assert 'oauth_token=""' in headers["Authorization"]
        assert requests.get(url, headers=headers, timeout=10).status_code == 200


def test_bare_plaintext_secret_is_accepted(sandbox):
    header = (
        f'OAuth oauth_consumer_key="{sandbox.key}", oauth_nonce="n{time.time_ns()}", '
        f'oauth_timestamp="{int(time.time())}", oauth_signature_method="PLAINTEXT", '
        f'oauth_version="1.0", oauth_signature="{sandbox.secret}&"'
    )
    assert requests.get(sandbox.base_url + "/users", headers={"Authorization": header}, timeout=10).status_code == 200


def test_missing_header_bad_key_and_bad_secret_are_401(sandbox):
    assert requests.get(sandbox.base_url + "/users", timeout=10).status_code == 401
    wrong_key = SignedRequests(sandbox, key="not-the-key").get("users")
    assert wrong_key.status_code == 401 and "consumer key" in wrong_key.json()
    for method in ("HMAC-SHA1", "PLAINTEXT"):
        wrong = SignedRequests(sandbox, signature_method=method, secret="wrong-secret").get("users")
        assert wrong.status_code == 401 and "signature" in wrong.json()
    assert sandbox.counters()["auth_failures"] == 4


def test_tampered_query_fails_the_signature(sandbox):
    url, headers, _ = _signed(sandbox, path="/users?limit=5")
    response = requests.get(url.replace("limit=5", "limit=6"), headers=headers, timeout=10)
    assert response.status_code == 401


def test_json_body_is_not_part_of_the_signature(sandbox):
    http = SignedRequests(sandbox)
    response = http.post("users", json={"users": {"user": []}})
    assert response.status_code == 207


def test_nonce_replay_is_rejected(sandbox):
    url, headers, _ = _signed(sandbox)
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    again = requests.get(url, headers=headers, timeout=10)
    assert again.status_code == 401
    assert again.json() == REPLAY


def test_timestamp_out_of_sequence(sandbox):
    now = int(time.time())
    url, headers, _ = _signed(sandbox, timestamp=str(now), nonce="first")
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    # a little behind the newest timestamp is tolerated (concurrent workers)
    url, headers, _ = _signed(sandbox, timestamp=str(now - 300), nonce="second")
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    url, headers, _ = _signed(sandbox, timestamp=str(now - 601), nonce="third")
    late = requests.get(url, headers=headers, timeout=10)
    assert late.status_code == 401 and "out of sequence" in late.json()


def test_following_a_redirect_with_the_same_header_is_a_replay(sandbox):
    url, headers, _ = _signed(sandbox, path="/users/me")
    first = requests.get(url, headers=headers, allow_redirects=False, timeout=10)
    assert first.status_code == 303
    followed = requests.get(first.headers["Location"], headers=headers, allow_redirects=False, timeout=10)
    assert followed.status_code == 401 and followed.json() == REPLAY
    resigned = SignedRequests(sandbox).get(first.headers["Location"])
    assert resigned.status_code == 200


def test_nonce_memory_is_bounded(sandbox):
    from schoology_sandbox.oauth import NonceRegistry

    registry = NonceRegistry(skew=600, max_entries=100)
    for n in range(1000):
        registry.check_and_remember("k", 1_000_000 + n, f"n{n}")
    assert registry.size() <= 100
    registry.check_and_remember("k", 2_000_000, "late")
    assert registry.size() == 1  # everything older than the window is forgotten
