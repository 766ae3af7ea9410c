"""What the notify step asks of every destination: a stable outbox key, whether MAX_SMS_PER_HOUR
holds, send(), and the errors and deadlines of a send."""

from __future__ import annotations

from typing import Protocol

from ttalertd.config.secrets import redact
from ttalertd.notify.message import Message

DEFAULT_DEADLINE = 10.0  # seconds for the whole exchange: connect, send, answer, body
MAX_DEADLINE = 30.0  # no caller may wait longer for one exchange


class DeliveryError(Exception):
    """A send that did not happen: `permanent` ones are never retried. `detail` never holds a
    secret."""

    def __init__(self, detail: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the far side asked us to wait, when it said


class Notifier(Protocol):
    """One destination. `key` names it in the outbox ("sms:+15551234567", "webhook:<url>")."""

    key: str
    rate_limited: bool  # MAX_SMS_PER_HOUR holds for it (everything but Alertmanager)

    def send(self, message: Message) -> None:
        """Deliver `message` or raise DeliveryError."""
        ...


# redact: the one redactor, re-exported
__all__ = ["DEFAULT_DEADLINE", "MAX_DEADLINE", "DeliveryError", "Notifier", "redact"]
