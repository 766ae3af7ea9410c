"""The outbox records: every message not yet delivered, and the rate-limit window; lives in memory.json."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from ttalertd.notify.message import Message
from ttalertd.rules.alert import Alert

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)  # identity: two equal messages are still two entries
class OutboxEntry:
    """One message for one notifier key, waiting for its (next) try."""

    key: str  # the notifier's key: "sms:+15551234567", "webhook:<url>", "console"
    host: str
    text: str
    alerts: tuple[Alert, ...]
    created: float  # when it was queued, on the caller's clock; it ages out 24 h later
    attempts: int = 0  # failed tries so far
    next_try_tick: int = 0  # not tried before this tick

    def message(self) -> Message:
        return Message(host=self.host, text=self.text, alerts=self.alerts, created=self.created)


@dataclass(slots=True)
class Outbox:
    """Everything delivery must remember between ticks and across restarts."""

    entries: list[OutboxEntry] = field(default_factory=list)
    sent_times: list[float] = field(default_factory=list)  # rate-limited messages let through
    held_alerts: int = 0  # alerts held back by the rate limit, not yet summarised
    held_since: float | None = None  # when the first of them was held

    def to_json(self) -> dict:
        return {
            "entries": [_entry_to_json(entry) for entry in self.entries],
            "sent_times": list(self.sent_times),
            "held_alerts": self.held_alerts,
            "held_since": self.held_since,
        }

    @classmethod
    def from_json(cls, data: Any) -> Outbox:
        """Tolerant: garbage at the top starts fresh; a bad entry is skipped, both with a log line."""
        if not isinstance(data, dict):
            if data is not None:
                log.warning("outbox in the state file is not an object; starting with an empty one")
            return cls()
        outbox = cls()
        raw_entries = data.get("entries", [])
        if not isinstance(raw_entries, list):
            log.warning("outbox entries in the state file are not a list; dropping them")
            raw_entries = []
        for raw in raw_entries:
            entry = _entry_from_json(raw)
            if entry is None:
                text = raw.get("text") if isinstance(raw, dict) else None
                log.error("unreadable outbox entry in the state file dropped: %r", text or raw)
                continue
            outbox.entries.append(entry)
        times = data.get("sent_times", [])
        if isinstance(times, list) and all(_is_number(t) for t in times):
            outbox.sent_times = [float(t) for t in times]
        else:
            log.warning("rate-limit window in the state file is unreadable; starting it afresh")
        held = data.get("held_alerts", 0)
        since = data.get("held_since")
        if isinstance(held, int) and not isinstance(held, bool) and held > 0 and _is_number(since):
            outbox.held_alerts, outbox.held_since = held, float(since)
        elif held not in (0, None):
            log.warning("held-alert count in the state file is unreadable; starting it afresh")
        return outbox


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry_to_json(entry: OutboxEntry) -> dict:
    return {
        "key": entry.key,
        "host": entry.host,
        "text": entry.text,
        "alerts": [_alert_to_json(alert) for alert in entry.alerts],
        "created": entry.created,
        "attempts": entry.attempts,
        "next_try_tick": entry.next_try_tick,
    }


def _entry_from_json(raw: Any) -> OutboxEntry | None:
    if not isinstance(raw, dict):
        return None
    key, host, text = raw.get("key"), raw.get("host"), raw.get("text")
    created, attempts, next_try = raw.get("created"), raw.get("attempts"), raw.get("next_try_tick")
    if not (isinstance(key, str) and isinstance(host, str) and isinstance(text, str)):
        return None
    if not (_is_number(created) and _is_int(attempts) and _is_int(next_try)):
        return None
    raw_alerts = raw.get("alerts", [])
    alerts = [_alert_from_json(a) for a in raw_alerts] if isinstance(raw_alerts, list) else []
    # an unreadable alert costs only the webhook's "alerts" list, never the message text
    return OutboxEntry(
        key=key,
        host=host,
        text=text,
        alerts=tuple(a for a in alerts if a is not None),
        created=float(created),
        attempts=max(0, attempts),
        next_try_tick=next_try,
    )


def _alert_to_json(alert: Alert) -> dict:
    return {
        "kind": alert.kind,
        "text": alert.text,
        "key": alert.key,
        "recovery": alert.recovery,
        "labels": [list(pair) for pair in alert.labels],
        "starts_at": alert.starts_at,
    }


def _alert_from_json(raw: Any) -> Alert | None:
    if not isinstance(raw, dict):
        return None
    kind, text, key = raw.get("kind"), raw.get("text"), raw.get("key", "")
    if not (isinstance(kind, str) and isinstance(text, str) and isinstance(key, str)):
        return None
    labels = raw.get("labels", [])
    pairs: list[tuple[str, str]] = []
    if isinstance(labels, list):
        for pair in labels:
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                pairs.append((pair[0], pair[1]))
    starts_at = raw.get("starts_at", 0.0)
    return Alert(
        kind=kind,
        text=text,
        key=key,
        recovery=raw.get("recovery") is True,
        labels=tuple(pairs),
        starts_at=float(starts_at) if _is_number(starts_at) else 0.0,
    )
