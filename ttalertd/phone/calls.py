"""The call rule (interface.md section 11): a condition alerted and unacknowledged for CALL_AFTER
minutes is a voice call; again every CALL_AFTER minutes, at most 3 per incident and 6 an hour.

Pure: the phone memory, the firing conditions and the time in; the alerts to speak out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ttalertd.alert import Alert
from ttalertd.state.phone import Incident, PhoneMemory

CALL_KINDS = frozenset({"load", "cpu", "memory", "swap", "disk", "peer"})  # never logins, reboots
MAX_PER_INCIDENT = 3
MAX_PER_HOUR = 6
REPEAT_AT_ZERO = 15 * 60.0  # CALL_AFTER 0 calls with the first SMS, then every 15 minutes


def follow(memory: PhoneMemory, firing: Iterable[Alert], now: float) -> None:
    """Start an incident for each condition newly firing (its first line is sent or held now);
    forget those that recovered, and acknowledgements with them."""
    current = {alert.key: alert for alert in firing if alert.kind in CALL_KINDS}
    for key, alert in current.items():
        known = memory.incidents.get(key)
        if known is None or known.since != alert.starts_at:
            memory.incidents[key] = Incident(since=alert.starts_at, told=now)
    for key in [k for k in memory.incidents if k not in current]:
        del memory.incidents[key]
    memory.acks = {k: since for k, since in memory.acks.items()
                   if k in current and current[k].starts_at == since}


def acknowledged(memory: PhoneMemory, firing: Iterable[Alert]) -> frozenset[str]:
    """Keys of the firing conditions whose current incident was acknowledged."""
    return frozenset(a.key for a in firing if memory.acks.get(a.key) == a.starts_at)


def due(memory: PhoneMemory, firing: Iterable[Alert], *, now: float, call_after_minutes: float,
        held: Callable[[str], bool]) -> list[Alert]:
    """The firing conditions a call should speak now (none when the hour's calls are used up)."""
    memory.call_times = [t for t in memory.call_times if now - 3600.0 < t <= now + 3600.0]
    if len(memory.call_times) >= MAX_PER_HOUR:
        return []
    wait = call_after_minutes * 60.0
    out = []
    for alert in firing:
        incident = memory.incidents.get(alert.key)
        if (incident is None or alert.kind not in CALL_KINDS or held(alert.kind)
                or memory.acks.get(alert.key) == alert.starts_at
                or incident.calls >= MAX_PER_INCIDENT):
            continue
        if incident.last_call is None:
            ready = now >= incident.told + wait
        else:
            ready = now >= incident.last_call + (wait or REPEAT_AT_ZERO)
        if ready:
            out.append(alert)
    return out


def record_call(memory: PhoneMemory, spoken: Iterable[Alert], now: float) -> None:
    """A call was placed (or kept to be retried) for `spoken`: count it for each and the hour."""
    for alert in spoken:
        incident = memory.incidents.get(alert.key)
        if incident is not None:
            incident.calls += 1
            incident.last_call = now
    memory.call_times.append(now)
