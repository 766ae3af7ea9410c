"""Prometheus Alertmanager: each tick's alert states, POSTed to URL/api/v2/alerts.

Firing conditions are re-posted every tick with endsAt four ALERT_INTERVALs ahead (Alertmanager
resolves them itself when the host goes silent), recoveries with endsAt now, events once. The
states go through the one outbox like any message (ttalertd.notify.delivery): kept when a URL is
down, merged (the events, and the latest state of each condition), retried on one schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ttalertd.alert import EVENT_KINDS, PEER_KIND, Alert
from ttalertd.notify.http import DEFAULT_DEADLINE, display_url, post_json
from ttalertd.notify.message import AlertState, Message
from ttalertd.untrusted import printable

ALERTNAMES = {
    "load": "TTAlertLoad", "cpu": "TTAlertCPU", "memory": "TTAlertMemory", "swap": "TTAlertSwap",
    "disk": "TTAlertDisk", "login": "TTAlertLogin", "logout": "TTAlertLogout",
    "reboot": "TTAlertReboot", PEER_KIND: "TTAlertPeerSilent", "notifier": "TTAlertNotifierFailed",
}
FIRING_AHEAD = 4  # ALERT_INTERVALs a firing condition's endsAt lies ahead of its tick
API_PATH = "/api/v2/alerts"
Labels = tuple[tuple[str, str], ...]


def rfc3339(epoch: float) -> str:
    """UTC, millisecond precision, as Alertmanager's API prints times."""
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def alert_labels(alert: Alert, host: str, extra: Labels) -> Labels:
    """alertname, instance, severity, the alert's own labels, then the configured ones
    (which never replace a label ttalertd sets: that would change the alert's identity)."""
    labels = {
        "alertname": ALERTNAMES.get(alert.kind, f"TTAlert{alert.kind.title()}"),
        "instance": host,
        "severity": "info" if alert.kind in EVENT_KINDS else "warning",
    }
    # the rules made them printable; an alert kept by an older version may not be (section 6)
    labels.update((name, printable(value)) for name, value in alert.labels)
    for name, value in extra:
        labels.setdefault(name, value)
    return tuple(labels.items())


def alert_state(alert: Alert, host: str, extra: Labels, *, starts: float, ends: float,
                event: bool) -> AlertState:
    return AlertState(key=alert.key, event=event, labels=alert_labels(alert, host, extra),
                      annotations=(("summary", printable(alert.text)),), starts_at=starts,
                      ends_at=max(ends, starts))  # Alertmanager refuses endsAt before startsAt


def tick_states(firing: Sequence[Alert], resolved: Sequence[Alert], events: Sequence[Alert],
                host: str, extra: Labels, *, sample_time: float, alert_interval: float,
                started: dict[str, float]) -> list[AlertState]:
    """This tick's states: firing conditions, recoveries, then events.

    `started` maps each firing condition's key to its startsAt; it is replaced by this tick's,
    and gives a recovery that carries no start of its own the start its firing posts had."""
    out: list[AlertState] = []
    before = dict(started)
    started.clear()
    for alert in firing:
        starts = alert.starts_at or before.get(alert.key) or sample_time
        started[alert.key] = starts
        out.append(alert_state(alert, host, extra, starts=starts, event=False,
                               ends=sample_time + FIRING_AHEAD * alert_interval))
    for alert in resolved:
        starts = before.get(alert.key) or alert.starts_at or sample_time
        out.append(alert_state(alert, host, extra, starts=starts, ends=sample_time, event=False))
    for alert in events:  # the tick that saw it (a reboot's own line says when it booted)
        out.append(alert_state(alert, host, extra, starts=sample_time, event=True,
                               ends=sample_time + alert_interval))
    return out


def postable(state: AlertState) -> dict[str, Any]:
    """One element of the JSON list POSTed to /api/v2/alerts."""
    return {
        "labels": dict(state.labels),
        "annotations": dict(state.annotations),
        "startsAt": rfc3339(state.starts_at),
        "endsAt": rfc3339(state.ends_at),
    }


class Alertmanager:
    """One Alertmanager URL: a notifier of alert states, not limited by MAX_SMS_PER_HOUR."""

    rate_limited = False  # Alertmanager groups and limits itself
    alert_states = True  # it takes the tick's alert states, not its message lines

    def __init__(self, url: str, *, bearer_token: str | None = None,
                 deadline: float = DEFAULT_DEADLINE) -> None:
        self.url = url
        self.key = f"alertmanager:{display_url(url)}"
        self._token = bearer_token
        self._deadline = deadline

    def __repr__(self) -> str:  # never the token
        return f"Alertmanager({display_url(self.url)!r})"

    def send(self, message: Message) -> None:
        """POST every state of `message` in one list; raises DeliveryError."""
        self.post([postable(state) for state in message.states])

    def post(self, alerts: list[dict[str, Any]]) -> None:
        """POST postable alerts as they are (a planned stop's heartbeat, say); DeliveryError."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        post_json(self.url.rstrip("/") + API_PATH, alerts, headers=headers,
                  deadline=self._deadline, what="alertmanager", secrets=(self._token,))
