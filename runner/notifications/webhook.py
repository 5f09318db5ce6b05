"""A generic webhook: one JSON POST per notification.

The body is ``{"text": ..., "event", "run_id", "status", "job", "client", "link"}``;
Slack's and Teams' incoming webhooks show ``text``, anything else can read the rest.
"""

from __future__ import annotations

from typing import Any

import requests

from runner.notifications.messages import Message

TIMEOUT_SECONDS = 10


class WebhookError(Exception):
    """The webhook did not take the notification (the message names only the host)."""


def webhook_body(run: dict[str, Any], message: Message) -> dict[str, Any]:
    """The JSON sent for ``run``."""
    return {"text": f"{message.subject}\n{message.link}", "event": message.event, "run_id": run["id"],
            "status": run["status"], "job": run["job"], "client": run["client"], "link": message.link}


def post_webhook(url: str, host: str, body: dict[str, Any]) -> None:
    """POST ``body`` to ``url``; :class:`WebhookError` (naming ``host``, never the URL) when refused."""
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        raise WebhookError(f"webhook to {host}: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise WebhookError(f"webhook to {host}: HTTP {response.status_code}")
