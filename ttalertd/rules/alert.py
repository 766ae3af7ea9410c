"""Alert: one line the evaluate step hands on to be told (a condition that fired or recovered, or an event)."""

from __future__ import annotations

from dataclasses import dataclass

# kinds, as the webhook body and the Alertmanager alertname use them
CONDITION_KINDS = ("load", "cpu", "memory", "swap", "disk")
EVENT_KINDS = ("login", "logout", "reboot")


@dataclass(slots=True, frozen=True)
class Alert:
    """One line of a message: a condition that fired or recovered, or an event."""

    kind: str  # one of CONDITION_KINDS or EVENT_KINDS
    text: str  # the message line, e.g. "alice logged on pts/0 from 10.0.0.5"
    key: str  # identity of the condition or event, e.g. "load", "cpu:python3", "disk:/var"
    recovery: bool = False
    # extra Alertmanager labels: process, mountpoint, user, line, remote_host
    labels: tuple[tuple[str, str], ...] = ()
    starts_at: float = 0.0  # sample time (epoch seconds) of the tick that first saw it
