"""Outbox records as the version before the one outbox wrote them, read once at an upgrade so that
no kept message or post is lost: a message entry ({"text", "alerts", "created"}) and Alertmanager's
kept posts ({"urls": {url: {"alerts": [{"key", "event", "created", "alert": postable}]}}})."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ttalertd.alert import Alert, alert_from_json
from ttalertd.notify.message import AlertState
from ttalertd.notify.outbox import Entry, KeptState, Line


def message_entry(raw: dict[str, Any], entry: Entry) -> None:
    """Fill `entry` from an old message entry: its alerts, else the lines of its text."""
    created = raw.get("created")
    at = 0.0
    if isinstance(created, int | float) and not isinstance(created, bool):
        at = float(created)
    raw_alerts = raw.get("alerts")
    alerts = [alert_from_json(a) for a in raw_alerts] if isinstance(raw_alerts, list) else []
    found = [a for a in alerts if a is not None]
    if not found and isinstance(raw.get("text"), str):
        found = [Alert("kept", line, f"kept:{n}") for n, line in
                 enumerate(raw["text"].split("\n")[1:]) if line]
    entry.lines = [Line(alert, at) for alert in found]


def alertmanager_entries(raw: dict[str, Any], host: str = "") -> list[Entry]:
    """One entry per URL of the old kept posts; a post that does not read is skipped."""
    entries = []
    urls = raw.get("urls")
    for name, slot in (urls.items() if isinstance(urls, dict) else ()):
        if not isinstance(slot, dict) or not isinstance(slot.get("alerts"), list):
            continue
        entry = Entry(f"alertmanager:{name}", host)
        for item in slot["alerts"]:
            kept = _kept_post(item)
            if kept is not None:
                entry.states.append(kept)
        if entry.states:
            entries.append(entry)
    return entries


def _kept_post(item: Any) -> KeptState | None:
    try:
        alert = item["alert"]
        state = AlertState(str(item["key"]), bool(item["event"]),
                           tuple((str(k), str(v)) for k, v in alert["labels"].items()),
                           tuple((str(k), str(v)) for k, v in alert["annotations"].items()),
                           _epoch(alert["startsAt"]), _epoch(alert["endsAt"]))
        return KeptState(state, float(item["created"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()  # 3.11 reads the Z
