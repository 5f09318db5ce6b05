"""API credentials: a consumer key and secret for one Schoology API base URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from schoology_etl.errors import ConfigurationError

SIGNATURE_METHODS = ("HMAC-SHA1", "PLAINTEXT")
DEFAULT_BASE_URL = "https://api.schoology.com/v1"


@dataclass(frozen=True)
class Credentials:
    """A two-legged OAuth consumer key and secret for one API base URL.

    The secret never appears in ``repr`` or ``str``; the key is shortened.

    Example:
        >>> c = Credentials(base_url="http://127.0.0.1:1/v1/", key="abcdef123", secret="s3cret")
        >>> c
        Credentials(base_url='http://127.0.0.1:1/v1', key='abc…', secret='***', signature_method='HMAC-SHA1')
    """

    base_url: str = DEFAULT_BASE_URL
    key: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    signature_method: str = "HMAC-SHA1"

    def __post_init__(self) -> None:
        if not self.key:
            raise ConfigurationError("Credentials: key is empty")
        if not self.secret:
            raise ConfigurationError("Credentials: secret is empty")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"Credentials: base_url must be an http(s) URL, got {self.base_url!r}")
        method = self.signature_method.upper()
        if method not in SIGNATURE_METHODS:
            raise ConfigurationError(
                f"Credentials: signature_method must be one of {', '.join(SIGNATURE_METHODS)}, "
                f"got {self.signature_method!r}"
            )
        object.__setattr__(self, "signature_method", method)
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @property
    def limiter_key(self) -> tuple[str, str]:
        """The identity the API rate-limits on: consumer key and base URL."""
        return (self.key, self.base_url)

    def __repr__(self) -> str:
        return (
            f"Credentials(base_url={self.base_url!r}, key={self.key[:3] + '…'!r}, "
            f"secret='***', signature_method={self.signature_method!r})"
        )

    __str__ = __repr__
