"""E-mail through an SMTP server (``smtplib``), set up by environment variables.

- ``TOOLBELT_SMTP_HOST`` (no host: no e-mail is sent, and that is logged once per run),
  ``TOOLBELT_SMTP_PORT`` (default 587, or 465 with ``ssl``),
- ``TOOLBELT_SMTP_SECURITY``: ``starttls`` (default), ``ssl`` or ``none`` (``none`` only
  to a server on this machine),
- ``TOOLBELT_SMTP_USER`` and ``TOOLBELT_SMTP_PASSWORD`` (optional; the password is
  never logged),
- ``TOOLBELT_SMTP_FROM`` (default ``toolbelt@<this host>``).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from runner.notifications.messages import Message
from runner.notifications.rules import _is_loopback
from schoology_etl.errors import ConfigurationError

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str


def smtp_settings() -> SMTPSettings | None:
    """The SMTP settings from the environment; None when no host is set."""
    host = os.environ.get("TOOLBELT_SMTP_HOST", "").strip()
    if not host:
        return None
    security = os.environ.get("TOOLBELT_SMTP_SECURITY", "starttls").strip().lower()
    if security not in ("starttls", "ssl", "none"):
        raise ConfigurationError(f"TOOLBELT_SMTP_SECURITY: {security!r}: choose starttls, ssl or none")
    if security == "none" and not _is_loopback(host):
        raise ConfigurationError(f"TOOLBELT_SMTP_SECURITY=none sends mail (and any password) in clear: only to a "
                                 f"server on this machine, not {host}")
    raw_port = os.environ.get("TOOLBELT_SMTP_PORT", "").strip()
    try:
        port = int(raw_port) if raw_port else (465 if security == "ssl" else 587)
    except ValueError:
        raise ConfigurationError(f"TOOLBELT_SMTP_PORT: {raw_port!r} is not a port number") from None
    return SMTPSettings(host=host, port=port, security=security,
                        user=os.environ.get("TOOLBELT_SMTP_USER") or None,
                        password=os.environ.get("TOOLBELT_SMTP_PASSWORD") or None,
                        sender=os.environ.get("TOOLBELT_SMTP_FROM") or f"toolbelt@{socket.getfqdn()}")


def send_email(settings: SMTPSettings, to: list[str], message: Message) -> None:
    """Send ``message`` to ``to`` (one e-mail, every address in ``To``); smtplib's errors pass through."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail.set_content(message.text)
    context = ssl.create_default_context()
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(mail)
