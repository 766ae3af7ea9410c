"""Prometheus Alertmanager client: each tick posts the state of every condition, not messages.

Firing conditions are re-posted every tick with endsAt four ALERT_INTERVALs ahead (Alertmanager
resolves them itself when the host goes silent), recoveries with endsAt now, events once.
Undelivered posts are kept per URL in State.alertmanager and retried with tick backoff; kept
posts are merged: the undelivered events plus the latest state of each condition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ttalertd.config.records import AlertmanagerConfig
from ttalertd.notifiers.base import DeliveryError
from ttalertd.notifiers.http import DEFAULT_DEADLINE, display_url, post_json
from ttalertd.notify.retry import is_due, next_try_tick
from ttalertd.rules.alert import EVENT_KINDS, Alert

if TYPE_CHECKING:
    from ttalertd.rules.evaluate import Verdict

log = logging.getLogger(__name__)

ALERTNAMES = {
    "load": "TTAlertLoad", "cpu": "TTAlertCPU", "memory": "TTAlertMemory", "swap": "TTAlertSwap",
    "disk": "TTAlertDisk", "login": "TTAlertLogin", "logout": "TTAlertLogout",
    "reboot": "TTAlertReboot",
}
FIRING_AHEAD = 4  # ALERT_INTERVALs a firing condition's endsAt lies ahead of its tick
MAX_AGE = 24 * 3600.0  # a kept post older than a day is dropped, logged
DEFAULT_TIMEOUT = DEFAULT_DEADLINE
API_PATH = "/api/v2/alerts"


def rfc3339(epoch: float) -> str:
    """UTC, millisecond precision, as Alertmanager's API prints times."""
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def alert_labels(alert: Alert, host: str, extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """alertname, instance, severity, the alert's own labels, then the configured ones
    (which never replace a label ttalertd sets: that would change the alert's identity)."""
    labels = {
        "alertname": ALERTNAMES[alert.kind],
        "instance": host,
        "severity": "info" if alert.kind in EVENT_KINDS else "warning",
    }
    labels.update(alert.labels)
    for name, value in extra:
        labels.setdefault(name, value)
    return labels


def postable(alert: Alert, host: str, extra: tuple[tuple[str, str], ...], *, starts: float,
             ends: float) -> dict[str, Any]:
    """One element of the JSON list POSTed to /api/v2/alerts."""
    return {
        "labels": alert_labels(alert, host, extra),
        "annotations": {"summary": alert.text},
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(max(ends, starts)),  # Alertmanager refuses endsAt before startsAt
    }


def tick_alerts(verdict: Verdict, host: str, extra: tuple[tuple[str, str], ...], *,
                sample_time: float, alert_interval: float, started: dict[str, float]
                ) -> list[tuple[str, dict[str, Any]]]:
    """(key, postable alert) for this tick: firing conditions, recoveries, then events.

    `started` maps each firing condition's key to its startsAt; it is replaced by this tick's,
    and gives a recovery that carries no start of its own the start its firing posts had."""
    out: list[tuple[str, dict[str, Any]]] = []
    before = dict(started)
    started.clear()
    for alert in verdict.firing:
        starts = alert.starts_at or before.get(alert.key) or sample_time
        started[alert.key] = starts
        out.append((alert.key, postable(alert, host, extra, starts=starts,
                                        ends=sample_time + FIRING_AHEAD * alert_interval)))
    for alert in verdict.resolved:
        starts = before.get(alert.key) or alert.starts_at or sample_time
        out.append((alert.key, postable(alert, host, extra, starts=starts, ends=sample_time)))
    for alert in verdict.events:  # the tick that saw it (a reboot's own line says when it booted)
        out.append((alert.key, postable(alert, host, extra, starts=sample_time,
                                        ends=sample_time + alert_interval)))
    return out


@dataclass(slots=True)
class PostResult:
    """One POST: delivered, refused for good (`permanent`), or failed for a passing reason."""

    delivered: bool
    permanent: bool = False
    detail: str = ""
    retry_after: float | None = None


def post_alerts(url: str, alerts: list[dict[str, Any]], *, bearer_token: str | None,
                timeout: float = DEFAULT_TIMEOUT) -> PostResult:
    """POST `alerts` to URL/api/v2/alerts once; the token never reaches `detail`."""
    headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
    try:
        post_json(url.rstrip("/") + API_PATH, alerts, headers=headers, deadline=timeout,
                  what="alertmanager", secrets=(bearer_token,))
    except DeliveryError as error:
        return PostResult(False, permanent=error.permanent, detail=error.detail,
                          retry_after=error.retry_after)
    return PostResult(True)


@dataclass(slots=True)
class TickReport:
    """What one tick's posting left: `--once` and a replay exit 1 when either is true."""

    lost: bool = False  # alerts refused for good, or dropped undelivered after a day
    kept: bool = False  # alerts still waiting for a later try


class AlertmanagerPoster:
    """Posts each tick's alerts to every URL; `kept` (State.alertmanager) survives restarts.

    kept = {"started": {key: startsAt}, "urls": {display url: {"alerts": [{"key", "event",
    "created", "alert"}], "attempts": n, "next_try_tick": t}}}"""

    def __init__(self, config: AlertmanagerConfig, kept: dict[str, Any], *, host: str,
                 alert_interval: float, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.host = host
        self.alert_interval = alert_interval
        self.timeout = timeout
        self.kept = kept
        if not _well_formed(kept):
            if kept:
                log.warning("alertmanager: kept posts in the state file are malformed; dropped")
            kept.clear()
        kept.setdefault("started", {})
        kept.setdefault("urls", {})

    def post(self, verdict: Verdict, *, sample_time: float, tick: int, ticks_per_hour: int
             ) -> TickReport:
        """Merge this tick's alerts into each URL's kept post and send what is due."""
        new = tick_alerts(verdict, self.host, self.config.labels, sample_time=sample_time,
                          alert_interval=self.alert_interval, started=self.kept["started"])
        cap = max(1, int(ticks_per_hour))
        report = TickReport()
        urls = {display_url(url): url for url in self.config.urls}
        for name in list(self.kept["urls"]):  # URLs no longer configured: kept a day, then go
            if name not in urls:
                self._drop_aged(name, sample_time)
        for name, url in urls.items():
            slot = self.kept["urls"].setdefault(
                name, {"alerts": [], "attempts": 0, "next_try_tick": tick})
            _merge(slot["alerts"], new, sample_time)
            report.lost |= self._drop_aged(name, sample_time)
            if name in self.kept["urls"] and is_due(slot["next_try_tick"], tick, cap):
                report.lost |= self._send(name, url, slot, tick, cap)
        report.kept = any(name in self.kept["urls"] for name in urls)
        return report

    def _send(self, name: str, url: str, slot: dict[str, Any], tick: int, cap: int) -> bool:
        """POST the slot's alerts; the slot goes when delivered or refused. True when refused."""
        alerts = [entry["alert"] for entry in slot["alerts"]]
        result = post_alerts(url, alerts, bearer_token=self.config.bearer_token,
                             timeout=self.timeout)
        if result.delivered:
            del self.kept["urls"][name]
            log.info("alertmanager %s: posted %d alerts", name, len(alerts))
            return False
        if result.permanent:
            del self.kept["urls"][name]
            log.error("alertmanager refused %d alerts for good, not retried: %s\nalerts were: %s",
                      len(alerts), result.detail, _summaries(slot))
            return True
        slot["attempts"] += 1
        slot["next_try_tick"] = next_try_tick(tick, slot["attempts"], cap, result.retry_after)
        log.warning("alertmanager: %d alerts kept (try %d), next try at tick %d: %s",
                    len(alerts), slot["attempts"], slot["next_try_tick"], result.detail)
        return False

    def _drop_aged(self, name: str, now: float) -> bool:
        """Drop the slot's alerts older than MAX_AGE (and the slot, once empty); True if any."""
        slot = self.kept["urls"][name]
        aged = [e for e in slot["alerts"] if now - e["created"] > MAX_AGE]
        if aged:
            slot["alerts"] = [e for e in slot["alerts"] if e not in aged]
            log.error("alertmanager %s: dropped %d alerts undelivered for a day: %s",
                      name, len(aged), "; ".join(e["alert"]["annotations"]["summary"]
                                                 for e in aged))
        if not slot["alerts"]:
            del self.kept["urls"][name]
        return bool(aged)


def _merge(kept: list[dict[str, Any]], new: list[tuple[str, dict[str, Any]]], now: float) -> None:
    """Events are added; a condition's latest state replaces its kept one."""
    for key, alert in new:
        event = alert["labels"]["severity"] == "info"
        if not event:
            kept[:] = [e for e in kept if e["event"] or e["key"] != key]
        kept.append({"key": key, "event": event, "created": now, "alert": alert})


def _summaries(slot: dict[str, Any]) -> str:
    return "; ".join(e["alert"]["annotations"]["summary"] for e in slot["alerts"])


def _well_formed(kept: dict[str, Any]) -> bool:
    try:
        if not all(isinstance(v, int | float) for v in kept.get("started", {}).values()):
            return False
        for slot in kept.get("urls", {}).values():
            int(slot["attempts"]), int(slot["next_try_tick"])
            for entry in slot["alerts"]:
                entry["key"], entry["event"], float(entry["created"])
                entry["alert"]["labels"]["severity"], entry["alert"]["annotations"]["summary"]
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return True

