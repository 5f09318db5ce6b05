"""Server-side check of two-legged OAuth 1.0a requests, strict like the real API.

PLAINTEXT and HMAC-SHA1 signatures are recomputed with oauthlib's own functions; a JSON
body is not part of the base string (a form-encoded one is, per RFC 5849). ``realm``
and ``oauth_token`` are optional. A (timestamp, nonce) pair is accepted once, and a
timestamp more than ``skew`` seconds older than the newest one seen for the key is
rejected. The nonce memory only holds pairs still inside that window, with a hard cap.
"""

from __future__ import annotations

import hmac
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from oauthlib.oauth1.rfc5849 import signature, utils

MSG_REPLAY = "Duplicate timestamp/nonce combination, possible replay attack. Request rejected."
MSG_SEQUENCE = "Timestamp is out of sequence. Please do not use an earlier timestamp. Request rejected."
MSG_MISSING = "Missing or malformed OAuth Authorization header."
MSG_BAD_KEY = "Invalid consumer key."
MSG_BAD_SIGNATURE = "Invalid signature."
MSG_BAD_METHOD = "Unsupported signature method."

_REQUIRED = ("oauth_consumer_key", "oauth_nonce", "oauth_timestamp", "oauth_signature_method", "oauth_signature")


@dataclass(frozen=True)
class _Secrets:
    """What oauthlib's ``*_with_client`` signers read: the two secrets (no token secret here)."""

    client_secret: str
    resource_owner_secret: str = ""


class OAuthRejected(Exception):
    """The request fails OAuth; ``str(exc)`` is the 401 body."""


@dataclass(frozen=True)
class OAuthParams:
    """The parsed ``Authorization`` header."""

    params: dict[str, str]

    @property
    def consumer_key(self) -> str:
        return self.params.get("oauth_consumer_key", "")


def parse_authorization(header: str | None) -> OAuthParams:
    """Parse an ``OAuth ...`` header; raise :class:`OAuthRejected` when malformed or incomplete."""
    if not header or not header.strip().lower().startswith("oauth "):
        raise OAuthRejected(MSG_MISSING)
    try:
        pairs = utils.parse_authorization_header(header.strip())
    except (ValueError, IndexError) as exc:
        raise OAuthRejected(MSG_MISSING) from exc
    params = {utils.unescape(k): utils.unescape(v) for k, v in pairs}
    if any(not params.get(name) for name in _REQUIRED):
        raise OAuthRejected(MSG_MISSING)
    return OAuthParams(params)


class NonceRegistry:
    """Remembers (timestamp, nonce) pairs per key inside the skew window."""

    def __init__(self, *, skew: int = 600, max_entries: int = 200_000) -> None:
        self.skew = skew
        self.max_entries = max_entries
        self._newest: dict[str, int] = {}
        self._seen: dict[str, set[tuple[int, str]]] = {}
        self._order: dict[str, deque[tuple[int, str]]] = {}

    def check(self, key: str, timestamp: int, nonce: str) -> None:
        """Raise :class:`OAuthRejected` if the pair was used or is out of sequence."""
        if timestamp + self.skew < self._newest.get(key, timestamp):
            raise OAuthRejected(MSG_SEQUENCE)
        if (timestamp, nonce) in self._seen.get(key, ()):
            raise OAuthRejected(MSG_REPLAY)

    def check_and_remember(self, key: str, timestamp: int, nonce: str) -> None:
        """Accept a pair once, in sequence; raise :class:`OAuthRejected` otherwise."""
        self.check(key, timestamp, nonce)
        newest = self._newest.get(key, timestamp)
        seen = self._seen.setdefault(key, set())
        order = self._order.setdefault(key, deque())
        pair = (timestamp, nonce)
        seen.add(pair)
        order.append(pair)
        newest = max(newest, timestamp)
        self._newest[key] = newest
        # forget pairs that the sequence rule rejects anyway, and bound the memory
        while order and (order[0][0] + self.skew < newest or len(order) > self.max_entries):
            seen.discard(order.popleft())

    def size(self) -> int:
        """Pairs currently remembered (all keys)."""
        return sum(len(s) for s in self._seen.values())

    def clear(self) -> None:
        """Forget everything."""
        self._newest.clear()
        self._seen.clear()
        self._order.clear()


class OAuthVerifier:
    """Checks one request against the sandbox's key and secret."""

    def __init__(self, key: str, secret: str, nonces: NonceRegistry | None = None) -> None:
        self.key = key
        self.secret = secret
        self.nonces = nonces or NonceRegistry()

    def verify(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        form_body: str | None = None,
    ) -> None:
        """Raise :class:`OAuthRejected` unless the request is correctly signed and fresh.

        Args:
            method: HTTP method.
            url: the full request URL as the client addressed it (query included).
            headers: request headers (``Authorization`` is read).
            form_body: a form-encoded body, which is then part of the base string.
        """
        parsed = parse_authorization(headers.get("Authorization"))
        params = parsed.params
        if not hmac.compare_digest(parsed.consumer_key, self.key):
            raise OAuthRejected(MSG_BAD_KEY)
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError as exc:
            raise OAuthRejected(MSG_MISSING) from exc
        # a used pair is reported as a replay even when the URL changed (a followed redirect)
        self.nonces.check(self.key, timestamp, params["oauth_nonce"])
        method_name = params["oauth_signature_method"].upper()
        given = params["oauth_signature"]
        if method_name == "PLAINTEXT":
            # the header value was already percent-decoded once: "secret&" (a bare "secret&"
            # sent by some clients decodes to the same thing)
            expected = signature.sign_plaintext(self.secret, "")
            ok = hmac.compare_digest(utils.unescape(expected), given) or hmac.compare_digest(expected, given)
        elif method_name == "HMAC-SHA1":
            query = url.split("?", 1)[1] if "?" in url else ""
            collected = signature.collect_parameters(
                uri_query=query,
                body=form_body or None,
                headers={"Authorization": headers["Authorization"]},
                exclude_oauth_signature=True,
                with_realm=False,
            )
            base = signature.signature_base_string(
                method.upper(), signature.base_string_uri(url), signature.normalize_parameters(collected)
            )
            expected = signature.sign_hmac_sha1_with_client(base, _Secrets(self.secret))
            ok = hmac.compare_digest(expected, given)
        else:
            raise OAuthRejected(MSG_BAD_METHOD)
        if not ok:
            raise OAuthRejected(MSG_BAD_SIGNATURE)
        self.nonces.check_and_remember(self.key, timestamp, params["oauth_nonce"])
