"""The evaluate step: readings + remembered state + config -> alerts and new state. Pure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ttalertd.alert import Alert, alert_from_json, alert_to_json, merge_lines
from ttalertd.config.records import Config
from ttalertd.read.reading import Reading
from ttalertd.rules.condition import Change
from ttalertd.rules.cpu import check_cpu
from ttalertd.rules.load import check_load
from ttalertd.rules.logins import check_logins
from ttalertd.rules.reboot import check_reboot
from ttalertd.rules.resources import check_resources
from ttalertd.state.memory import AlertMemory


@dataclass(slots=True, frozen=True)
class Verdict:
    lines: tuple[Alert, ...]  # what this tick's message says, a quiet-hours digest included
    events: tuple[Alert, ...]  # logins, logouts and reboots seen this tick
    resolved: tuple[Alert, ...]  # conditions recovered this tick, told or not
    firing: tuple[Alert, ...]  # every condition alerted and not recovered
    memory: AlertMemory
    reset: bool  # RESET_INTERVAL was reached at the end of this tick
    held: int  # lines held back for quiet hours or a mute this tick


LocalTime = Callable[[float], time.struct_time]  # the host's time zone: epoch -> local time


def evaluate(reading: Reading, memory: AlertMemory, config: Config, *, minute_of_day: int,
             local: LocalTime, peer_lines: tuple[Alert, ...] = (),
             muted: frozenset[str] = frozenset(),
             acknowledged: frozenset[str] = frozenset()) -> Verdict:
    """One tick. `minute_of_day` is the sample's local time, for QUIET_HOURS; `local` turns any
    other time the lines show into local time (the caller's zone: the rules read no clock).
    `peer_lines` (rules.peers) are told after the reboot line and held as conditions are.
    `muted` kinds are held as in quiet hours (`login` holds logouts too); `acknowledged`
    condition keys are not repeated at a reset (interface.md section 11)."""
    memory = memory.copy()  # the memory given is never changed
    memory.tick += 1
    for key in acknowledged:  # a reset before the ack must not repeat it either
        if (cond := memory.conditions.get(key)) is not None and cond.firing:
            cond.told = True
    reboots = check_reboot(reading, memory, local)
    rebooted = bool(reboots)  # every process of the old boot is gone, whatever its pid shows now
    memory.last_tick, memory.stopped = reading.time, None  # this run goes on: no stop yet
    events = reboots + check_logins(reading.sessions, memory, config, reading.time)
    changes = check_load(reading.load, memory, config, reading.time)
    changes += check_cpu(reading, memory, config, rebooted=rebooted)
    changes += check_resources(reading, memory, config)

    resolved = tuple(a for a, change in changes if change is Change.RECOVER)
    told = [a for a, change in changes if change is Change.FIRE or config.notify_recovery]
    quiet = config.quiet_hours is not None and config.quiet_hours.contains(minute_of_day)

    def holds(kind: str) -> bool:
        if kind in ("login", "logout"):
            return "login" in muted
        return kind != "reboot" and (quiet or kind in muted)

    lines = [a for a in (*reboots, *peer_lines, *events[len(reboots):]) if not holds(a.kind)]
    released = [_restored(a) for a in memory.held if not holds(str(a.get("kind")))]
    memory.held = [a for a in memory.held if holds(str(a.get("kind")))]
    held = [a for a in (*events, *peer_lines, *told) if holds(a.kind)]
    for alert in held:
        _hold(memory.held, alert)
    lines += released + [a for a in told if not holds(a.kind)]

    memory.ticks_since_reset += 1
    reset = memory.ticks_since_reset >= config.reset_interval
    if reset:
        memory.ticks_since_reset = 0
        for key, cond in memory.conditions.items():
            if key not in acknowledged:  # an acknowledged condition is not repeated
                cond.told, cond.level = False, None

    firing = tuple(
        Alert(c.kind, c.text, k, labels=tuple(c.labels.items()), starts_at=c.since)
        for k, c in memory.conditions.items() if c.firing
    )
    return Verdict(tuple(lines), tuple(events), resolved, firing, memory, reset, len(held))


def _hold(held: list[dict], alert: Alert) -> None:
    """Keep `alert` for the digest, merged as every held line is (a repeat of its condition's
    last held line replaces that line): a load escalating all night is one line in the morning."""
    merged = merge_lines([*map(_restored, held), alert], lambda a: a)
    held[:] = [alert_to_json(a) for a in merged]


def _restored(data: dict) -> Alert:
    alert = alert_from_json(data)
    if alert is None:  # the state's check lets no such line in
        raise TypeError(f"unreadable held line: {data!r}")
    return alert
