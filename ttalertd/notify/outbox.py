"""The outbox: what every destination is still owed, the rate limit's hour and its held lines.

One outbox for every notifier (SMS numbers, webhook, console, Alertmanager URLs, calls): per
notifier key one Entry, the lines (or Alertmanager states) it has not yet got, with one retry
schedule. It lives in memory.json in two parts read apart: the messages (`outbox`) and the kept
Alertmanager posts (`alertmanager`); a bad entry costs only itself, with a log line.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from ttalertd.alert import Alert, alert_from_json, alert_to_json
from ttalertd.notify.message import AlertState

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Line:
    """One alert line owed to a notifier (or held by the rate limit) since `at`."""

    alert: Alert
    at: float  # when its tick queued it, on the rate limit's clock
    held: bool = False  # the rate limit held it before it was queued
    size: int = field(default=0, compare=False)  # bytes in the state file; 0: not measured yet


@dataclass(slots=True)
class KeptState:
    """One Alertmanager alert state owed to one URL since `at`."""

    state: AlertState
    at: float
    size: int = field(default=0, compare=False)


@dataclass(slots=True, eq=False)  # identity: one entry per key
class Entry:
    """What one notifier key ("sms:+15551234567", "webhook:<url>", "alertmanager:<url>") is owed."""

    key: str
    host: str
    lines: list[Line] = field(default_factory=list)
    states: list[KeptState] = field(default_factory=list)
    attempts: int = 0  # failed tries since it last delivered
    next_try_tick: int = 0  # the backoff: not tried before this tick unless something new came
    not_before_tick: int = 0  # the far side's Retry-After: not tried before this tick at all

    @property
    def empty(self) -> bool:
        return not self.lines and not self.states


@dataclass(slots=True)
class Outbox:
    """Everything delivery remembers between ticks and across restarts."""

    entries: dict[str, Entry] = field(default_factory=dict)
    sent_times: list[float] = field(default_factory=list)  # deliveries the rate limit counts
    held: list[Line] = field(default_factory=list)  # lines the rate limit holds, for every notifier
    started: dict[str, float] = field(default_factory=dict)  # Alertmanager: startsAt of firing keys

    def to_json(self) -> dict[str, Any]:
        """The messages' part: message entries, the rate-limit hour, the held lines."""
        return {
            "entries": [_entry_to_json(e) for e in self.entries.values() if not e.states],
            "sent_times": list(self.sent_times),
            "held": [_line_to_json(line) for line in self.held],
        }

    def alertmanager_json(self) -> dict[str, Any]:
        """The Alertmanager part: the kept posts of each URL, and each firing condition's start."""
        return {
            "entries": [_entry_to_json(e) for e in self.entries.values() if e.states],
            "started": dict(self.started),
        }

    @classmethod
    def from_json(cls, data: Any, alertmanager: Any = None) -> Outbox:
        """Tolerant: garbage at the top starts that part fresh; a bad entry or line is skipped;
        each with a log line that shows what was lost."""
        outbox = cls()
        for part, raw in (("outbox", data), ("alertmanager", alertmanager)):
            if raw is None or raw == {}:
                continue
            if not isinstance(raw, dict):
                log.warning("%s part of the state file is not an object; starting it empty", part)
                continue
            _read_entries(outbox, raw.get("entries", []), part)
            if part == "alertmanager" and "urls" in raw:  # kept by the version before
                from ttalertd.notify import legacy

                for entry in legacy.alertmanager_entries(raw):
                    outbox.entries.setdefault(entry.key, entry)
        raw = data if isinstance(data, dict) else {}
        times = raw.get("sent_times", [])
        if isinstance(times, list) and all(_is_number(t) for t in times):
            outbox.sent_times = [float(t) for t in times]
        else:
            log.warning("rate-limit hour in the state file is unreadable; starting it afresh")
        held = raw.get("held", [])
        for item in held if isinstance(held, list) else [held]:
            line = _line_from_json(item)
            if line is None:
                log.error("unreadable held line in the state file dropped: %r", _shown(item))
            else:
                outbox.held.append(line)
        started = alertmanager.get("started", {}) if isinstance(alertmanager, dict) else {}
        if isinstance(started, dict):
            outbox.started = {str(k): float(v) for k, v in started.items() if _is_number(v)}
        return outbox


def _read_entries(outbox: Outbox, raw_entries: Any, part: str) -> None:
    if not isinstance(raw_entries, list):
        log.warning("%s entries in the state file are not a list; dropping them", part)
        return
    for raw in raw_entries:
        entry = _entry_from_json(raw)
        if entry is None:
            log.error("unreadable %s entry in the state file dropped: %r", part, _shown(raw))
        elif not entry.empty:
            outbox.entries[entry.key] = entry


def _shown(raw: Any) -> Any:
    """What a log line shows of an unreadable record: its text where it has one."""
    if isinstance(raw, dict) and isinstance(raw.get("text"), str):
        return raw["text"]
    return raw


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry_to_json(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key,
        "host": entry.host,
        "attempts": entry.attempts,
        "next_try_tick": entry.next_try_tick,
        "not_before_tick": entry.not_before_tick,
    }
    if entry.lines:
        # the text too: what a salvage of a corrupt file logs (ttalertd.state.salvage)
        data["text"] = "\n".join([entry.host, *(line.alert.text for line in entry.lines)])
        data["lines"] = [_line_to_json(line) for line in entry.lines]
    if entry.states:
        data["states"] = [state_to_json(kept.state, kept.at) for kept in entry.states]
    return data


def _entry_from_json(raw: Any) -> Entry | None:
    if not isinstance(raw, dict):
        return None
    key, host = raw.get("key"), raw.get("host")
    attempts, next_try = raw.get("attempts", 0), raw.get("next_try_tick", 0)
    not_before = raw.get("not_before_tick", 0)
    if not (isinstance(key, str) and isinstance(host, str)):
        return None
    if not (_is_int(attempts) and _is_int(next_try) and _is_int(not_before)):
        return None
    entry = Entry(key, host, attempts=max(0, attempts), next_try_tick=next_try,
                  not_before_tick=not_before)
    if "lines" not in raw and "text" in raw:  # a message kept by the version before
        from ttalertd.notify import legacy

        legacy.message_entry(raw, entry)
        return entry
    raw_lines, raw_states = raw.get("lines", []), raw.get("states", [])
    for item in raw_lines if isinstance(raw_lines, list) else [raw_lines]:
        line = _line_from_json(item)
        if line is None:  # costs that line, logged in full, never the entry
            log.error("unreadable line kept for %s dropped: %r", key, _shown(item))
        else:
            entry.lines.append(line)
    for item in raw_states if isinstance(raw_states, list) else [raw_states]:
        kept = state_from_json(item)
        if kept is None:
            log.error("unreadable Alertmanager alert kept for %s dropped: %r", key, item)
        else:
            entry.states.append(KeptState(*kept))
    return entry


def _line_to_json(line: Line) -> dict[str, Any]:
    return {"alert": alert_to_json(line.alert), "at": line.at, "held": line.held}


def _line_from_json(raw: Any) -> Line | None:
    if not isinstance(raw, dict):
        return None
    alert, held = alert_from_json(raw.get("alert")), raw.get("held", False)
    at: Any = raw.get("at")
    if alert is None or not _is_number(at) or not isinstance(held, bool):
        return None
    return Line(alert, float(at), held)


def state_to_json(state: AlertState, at: float) -> dict[str, Any]:
    return {"key": state.key, "event": state.event, "labels": [list(p) for p in state.labels],
            "annotations": [list(p) for p in state.annotations],
            "starts_at": state.starts_at, "ends_at": state.ends_at, "at": at}


def state_from_json(raw: Any) -> tuple[AlertState, float] | None:
    if not isinstance(raw, dict):
        return None
    key, event = raw.get("key"), raw.get("event")
    times: list[Any] = [raw.get(name) for name in ("starts_at", "ends_at", "at")]
    labels, annotations = _pairs(raw.get("labels")), _pairs(raw.get("annotations"))
    if not (isinstance(key, str) and isinstance(event, bool) and all(map(_is_number, times))):
        return None
    if labels is None or annotations is None:
        return None
    starts, ends, at = (float(t) for t in times)
    return AlertState(key, event, labels, annotations, starts, ends), at


def _pairs(raw: Any) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(raw, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            for p in raw):
        return None
    return tuple((p[0], p[1]) for p in raw)
