"""OAuth 1.0a two-legged signing (oauthlib) and redaction of secrets from URLs and headers.

Every send is signed afresh: a new nonce and timestamp each time, so retries and
redirect hops are never replays. A JSON body is never part of the signature base string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oauthlib import oauth1

from schoology_etl.credentials import Credentials

REALM = "Schoology API"
_METHODS = {"HMAC-SHA1": oauth1.SIGNATURE_HMAC_SHA1, "PLAINTEXT": oauth1.SIGNATURE_PLAINTEXT}
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_OAUTH_IN_TEXT = re.compile(r'(oauth_[a-z_]+)(=)("?)[^",&\s]*', re.IGNORECASE)


class _DropOAuthlibDebug(logging.Filter):
    """oauthlib logs the signature (the secret itself under PLAINTEXT) at DEBUG: drop those records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("oauthlib.oauth1.rfc5849").addFilter(_DropOAuthlibDebug())


class _TwoLeggedClient(oauth1.Client):
    """oauthlib's client, plus the empty ``oauth_token`` the Schoology docs ask for."""

    def get_oauth_params(self, request: Any) -> list[tuple[str, str]]:
        params = super().get_oauth_params(request)
        params.append(("oauth_token", ""))
        return params


def sign_headers(credentials: Credentials, method: str, url: str) -> dict[str, str]:
    """Return the ``Authorization`` header for one send of ``method url``.

    Args:
        credentials: consumer key, secret and signature method.
        method: HTTP method.
        url: the full URL, query string included (it is part of the signature).

    Returns:
        ``{"Authorization": "OAuth realm=\\"Schoology API\\", ..."}`` with a fresh nonce.
    """
    client = _TwoLeggedClient(
        credentials.key,
        client_secret=credentials.secret,
        signature_method=_METHODS[credentials.signature_method],
        realm=REALM,
    )
    _, headers, _ = client.sign(url, http_method=method.upper(), body=None, headers={})
    return {"Authorization": headers["Authorization"]}


def redact_url(url: str) -> str:
    """``url`` without any ``oauth_*`` query parameters."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("oauth_")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with Authorization (and cookies) replaced by ``***``."""
    return {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def redact_text(text: str) -> str:
    """``text`` with every ``oauth_*=value`` replaced by ``oauth_*=***``."""
    return _OAUTH_IN_TEXT.sub(lambda m: f"{m.group(1)}={m.group(3)}***", text)
