"""Alert: one line the evaluate step hands on to be told (a condition that fired or recovered, or
an event)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

# kinds, as the webhook body and the Alertmanager alertname use them
CONDITION_KINDS = ("load", "cpu", "memory", "swap", "disk")
EVENT_KINDS = ("login", "logout", "reboot", "notifier")  # notifier: a refusal told elsewhere
PEER_KIND = "peer"  # a silent peer: a condition of another host, told as an event line
HEARTBEAT_ALERTNAME = "TTAlertHeartbeat"  # posted by each host, read back by its peers


@dataclass(slots=True, frozen=True)
class Alert:
    """One line of a message: a condition that fired or recovered, or an event."""

    kind: str  # one of CONDITION_KINDS or EVENT_KINDS, or PEER_KIND
    text: str  # the message line, e.g. "alice logged on pts/0 from 10.0.0.5"
    key: str  # identity of the condition or event, e.g. "load", "cpu:python3", "disk:/var"
    recovery: bool = False
    # extra Alertmanager labels: process, mountpoint, user, line, remote_host
    labels: tuple[tuple[str, str], ...] = ()
    starts_at: float = 0.0  # sample time (epoch seconds) of the tick that first saw it


# --- the one Alert <-> JSON codec (outbox, held lines, Alertmanager's kept posts) ---------------

def alert_to_json(alert: Alert) -> dict[str, Any]:
    return {"kind": alert.kind, "text": alert.text, "key": alert.key, "recovery": alert.recovery,
            "labels": [list(pair) for pair in alert.labels], "starts_at": alert.starts_at}


def alert_from_json(raw: Any) -> Alert | None:
    """The Alert `raw` encodes, or None when a field has the wrong type (the caller says so)."""
    if not isinstance(raw, dict):
        return None
    kind, text, key = raw.get("kind"), raw.get("text"), raw.get("key", raw.get("kind"))
    recovery, labels, starts = raw.get("recovery", False), raw.get("labels", []), raw.get(
        "starts_at", 0.0)
    if not (isinstance(kind, str) and isinstance(text, str) and isinstance(key, str)):
        return None
    if not isinstance(recovery, bool) or not isinstance(labels, list | tuple):
        return None
    if not all(isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(s, str) for s in p)
               for p in labels):
        return None
    if isinstance(starts, bool) or not isinstance(starts, int | float) or not math.isfinite(starts):
        return None
    return Alert(kind, text, key, recovery, tuple((p[0], p[1]) for p in labels), float(starts))


# --- how held and kept lines merge into one message (interface.md section 7) -------------------

WHOLE_KINDS = ("reboot", "login", "logout")  # every such line is told
T = TypeVar("T")


def merge_lines(items: Sequence[T], alert_of: Callable[[T], Alert]) -> list[T]:
    """`items` as one message tells them: every reboot, login and logout line; of a condition's
    consecutive lines (same key, both alerts or both recoveries) only the latest, in the place of
    the first. (The message puts events first: ttalertd.notify.message.ordered_alerts.)"""
    merged: list[T] = []
    last: dict[str, int] = {}  # a condition's key -> where its latest line stands in `merged`
    for item in items:
        alert = alert_of(item)
        if alert.kind not in WHOLE_KINDS:
            where = last.get(alert.key)
            if where is not None and alert_of(merged[where]).recovery == alert.recovery:
                merged[where] = item
                continue
            last[alert.key] = len(merged)
        merged.append(item)
    return merged
