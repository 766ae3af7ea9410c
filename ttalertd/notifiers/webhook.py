"""The webhook: one JSON POST per message through the shared HTTP helper (total deadline)."""

from __future__ import annotations

from ttalertd.notify.http import DEFAULT_DEADLINE, display_url, post_json
from ttalertd.notify.message import Message
from ttalertd.untrusted import printable

__all__ = ["Webhook", "display_url", "webhook_body"]


def webhook_body(message: Message) -> dict:
    """The JSON the webhook receives: host, the whole text, and each alert's kind and line (every
    line of the message, those cut from its text included)."""
    return {
        "host": message.host,
        "text": message.text,
        # printable already (the rules'), unless kept by an older version (section 6)
        "alerts": [{"kind": alert.kind, "text": printable(alert.text)} for alert in message.alerts],
    }


class Webhook:
    """POSTs {"host", "text", "alerts"} to `url` with the configured headers."""

    rate_limited = True

    def __init__(self, url: str, headers: tuple[tuple[str, str], ...] = (), *,
                 deadline: float = DEFAULT_DEADLINE) -> None:
        self.url = url
        self.key = f"webhook:{display_url(url)}"
        self._headers = dict(headers)
        self._deadline = deadline

    def __repr__(self) -> str:  # headers may hold a bearer token
        return f"Webhook({display_url(self.url)!r})"

    def send(self, message: Message) -> None:
        """POST once; 2xx is success, 429/5xx/unreachable/late retry, any other answer is final."""
        post_json(self.url, webhook_body(message), headers=self._headers,
                  deadline=self._deadline, what="webhook",
                  secrets=tuple(self._headers.values()))
