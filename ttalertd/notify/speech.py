"""A message as a voice call says it (interface.md section 11): the alert lines without their
figures in brackets, `%` as "percent", and how to stop the calls; TwiML escaped for Twilio."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ttalertd.alert import Alert

CLOSING = "Reply ack to stop the calls."
_DETAILS_KINDS = frozenset({"load", "memory", "swap", "disk"})  # their "(...)" is not spoken
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}


def spoken_line(alert: Alert) -> str:
    """An alert line as a voice reads it: `disk /var: 3% free (1.2 GiB of 40 GiB)` is
    `disk /var 3 percent free`."""
    text = alert.text
    if alert.kind in _DETAILS_KINDS:
        text = re.sub(r"\s*\([^()]*\)$", "", text)
    text = text.replace(": ", " ", 1)
    text = re.sub(r"(\d)%", r"\1 percent", text)
    return text.strip().rstrip(".")


def spoken(host: str, alerts: Iterable[Alert]) -> str:
    """`web1. disk /var 3 percent free. Reply ack to stop the calls.`"""
    return ". ".join([host.rstrip("."), *(spoken_line(a) for a in alerts), CLOSING])


def twiml(host: str, alerts: Iterable[Alert]) -> str:
    """Inline TwiML that says the lines twice: `<Response><Say loop="2">...</Say></Response>`."""
    text = "".join(_ESCAPES.get(c, c) for c in spoken(host, alerts))
    return f'<Response><Say loop="2">{text}</Say></Response>'
