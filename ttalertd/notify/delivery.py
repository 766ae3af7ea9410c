"""Delivery: one pipeline for every notifier. enqueue() puts a tick's lines (through the rate
limit) and Alertmanager states into the outbox; the caller saves it; flush() sends what is due.

At least once: everything a tick must deliver is on disk before the first try, so a send cut
short by SIGKILL is made again after restart, possibly twice, never zero times. A notifier owed
several messages (an outage) gets them as ONE merged message; see ttalertd.alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ttalertd.alert import Alert, merge_lines
from ttalertd.notify import ratelimit
from ttalertd.notify.bound import bound_outbox
from ttalertd.notify.message import (
    MAX_MESSAGE_CHARS,
    AlertState,
    Message,
    fit,
    message_lines,
    ordered_alerts,
)
from ttalertd.notify.notifier import DeliveryError, Notifier
from ttalertd.notify.outbox import Entry, KeptState, Line, Outbox
from ttalertd.notify.retry import is_due, next_try_tick, retry_ticks
from ttalertd.notify.sending import send_all

__all__ = ["FlushReport", "Outbox", "enqueue", "flush", "keep", "message_for"]

log = logging.getLogger(__name__)

HOUR = 3600.0
MAX_AGE = 24 * HOUR  # a line not delivered within a day is dropped, with its text in the log
MAX_POST_STATES = 1000  # alerts in one Alertmanager POST (~300 KB): a backlog goes in batches


@dataclass(slots=True)
class FlushReport:
    """What one flush did. `kept` counts entries of active notifiers still waiting afterwards."""

    sent: int = 0
    kept: int = 0
    refused: int = 0
    dropped: int = 0  # lines and states given up on (a day old), each logged in full
    refusals: list[tuple[str, DeliveryError]] = field(default_factory=list)  # told elsewhere
    delivered_to: set[str] = field(default_factory=set)  # keys that took a message

    @property
    def undelivered(self) -> bool:
        """Something was kept for later, refused for good or dropped: `--once` exits 1."""
        return self.kept > 0 or self.refused > 0 or self.dropped > 0


def enqueue(outbox: Outbox, *, host: str, alerts: Sequence[Alert], notifiers: Sequence[Notifier],
            now: float, tick: int, max_per_hour: int, states: Sequence[AlertState] = ()) -> None:
    """Owe this tick's lines to every message notifier and its states to every Alertmanager.

    Rate-limited notifiers get the lines only when the hour has room (with the held lines, which
    then go too); otherwise the lines are held, logged in full. Alertmanager is never limited."""
    unique = list({n.key: n for n in notifiers}.values())  # a number listed twice gets one SMS
    limited = [n for n in unique if n.rate_limited and not _takes_states(n)]
    for notifier in unique:
        if _takes_states(notifier):
            keep(outbox, notifier.key, host, states=states, now=now, tick=tick)
        elif not notifier.rate_limited:
            keep(outbox, notifier.key, host, alerts=alerts, now=now, tick=tick)
    if limited and ratelimit.has_room(outbox, now, max_per_hour):
        owed = [*ratelimit.release(outbox), *(Line(a, now) for a in alerts)]
        for notifier in limited:
            _owe(outbox, notifier.key, host, owed, tick)
    elif limited:
        ratelimit.hold(outbox, alerts, now, max_per_hour)
    bound_outbox(outbox)


def keep(outbox: Outbox, key: str, host: str, *, alerts: Sequence[Alert] = (),
         states: Sequence[AlertState] = (), now: float, tick: int) -> None:
    """Owe `alerts` or `states` to `key` outside the rate limit (Alertmanager, a call)."""
    _owe(outbox, key, host, [Line(a, now) for a in alerts], tick,
         [KeptState(s, now) for s in states])


def _owe(outbox: Outbox, key: str, host: str, lines: list[Line], tick: int,
         states: list[KeptState] | None = None) -> None:
    if not lines and not states:
        return
    entry = outbox.entries.get(key)
    if entry is None:
        entry = outbox.entries[key] = Entry(key, host, next_try_tick=tick)
    entry.host = host
    if lines:
        entry.lines = merge_lines([*entry.lines, *lines], lambda line: line.alert)
    if states:
        entry.states = merge_states([*entry.states, *states])
    # something new to tell: try now, not after the backoff (the far side's Retry-After binds)
    entry.next_try_tick = min(entry.next_try_tick, tick)


def merge_states(kept: list[KeptState]) -> list[KeptState]:
    """Every event, and the latest state of each condition (in the place of its first)."""
    merged: list[KeptState] = []
    where: dict[str, int] = {}
    for item in kept:
        if not item.state.event and item.state.key in where:
            merged[where[item.state.key]] = item
            continue
        if not item.state.event:
            where[item.state.key] = len(merged)
        merged.append(item)
    return merged


def message_for(entry: Entry, now: float) -> tuple[Message, list[str]]:
    """The one message an entry's lines make, and the lines cut from its text (1600 characters).

    Lines the rate limit held come first under a header that says from when (`held since
    14:02:`), then the rest (kept through an outage, and the tick's own), events first."""
    held = [line for line in entry.lines if line.held]
    earlier = ordered_alerts(line.alert for line in held)
    current = ordered_alerts(line.alert for line in entry.lines if not line.held)
    lines: list[str] = []
    if held:
        since = time.strftime("%H:%M", time.localtime(min(line.at for line in held)))
        lines.append(f"held since {since}:")
    lines += message_lines(earlier) + message_lines(current)
    text, cut = fit(entry.host, lines)
    message = Message(entry.host, text, (*earlier, *current), created=now,
                      states=tuple(kept.state for kept in post_batch(entry.states)),
                      lines=tuple(lines))
    return message, cut


def post_batch(states: list[KeptState]) -> list[KeptState]:
    """What one Alertmanager POST carries: every condition's state and the oldest events, at
    most MAX_POST_STATES in all; the rest goes with the next tick's post (after an outage)."""
    if len(states) <= MAX_POST_STATES:
        return states
    conditions = [kept for kept in states if not kept.state.event][:MAX_POST_STATES]
    room = MAX_POST_STATES - len(conditions)
    events = [kept for kept in states if kept.state.event][:room]
    chosen = {id(kept) for kept in [*conditions, *events]}
    return [kept for kept in states if id(kept) in chosen]


def flush(outbox: Outbox, notifiers: Sequence[Notifier], *, now: float, tick: int,
          ticks_per_hour: int, max_per_hour: int = 10, drop_aged: bool = True) -> FlushReport:
    """Try every due entry of an active notifier once. A rate-limited notifier waits while the
    hour is full (no try, no failure); its delivery counts once however many notifiers deliver."""
    report = FlushReport()
    cap = max(1, int(ticks_per_hour))
    if drop_aged:
        _drop_aged(outbox, now, report)
    room = ratelimit.has_room(outbox, now, max_per_hour)
    jobs: list[tuple[Notifier, Entry, Message]] = []
    logged_cuts: set[str] = set()
    for notifier in {n.key: n for n in notifiers}.values():
        entry = outbox.entries.get(notifier.key)
        if entry is None or (notifier.rate_limited and not room):
            continue
        due = is_due(entry.next_try_tick, tick, cap) and is_due(entry.not_before_tick, tick, cap)
        if not due:
            continue
        message, cut = message_for(entry, now)
        for line in cut:
            if line not in logged_cuts:
                logged_cuts.add(line)
                log.info("cut from the message (over %d characters), not in its text: %s",
                         MAX_MESSAGE_CHARS, line)
        jobs.append((notifier, entry, message))
    outcomes = send_all([(notifier, message) for notifier, _, message in jobs])
    counted = False
    for (notifier, entry, message), outcome in zip(jobs, outcomes, strict=True):
        if _settle(outbox, notifier, entry, message, outcome, tick=tick, cap=cap, report=report):
            counted = counted or notifier.rate_limited
    if counted:
        ratelimit.count_delivery(outbox, now)
    active = {n.key for n in notifiers}
    report.kept = sum(1 for key in outbox.entries if key in active)
    return report


def _drop_aged(outbox: Outbox, now: float, report: FlushReport) -> None:
    """Lines and states queued more than MAX_AGE ago go, active notifier or not, logged in full."""
    for entry in list(outbox.entries.values()):
        aged = [line for line in entry.lines if now - line.at > MAX_AGE]
        old_states = [kept for kept in entry.states if now - kept.at > MAX_AGE]
        if aged:
            entry.lines = [line for line in entry.lines if line not in aged]
            log.error("dropped %d lines undelivered to %s after %d tries, queued %.1f h ago:\n%s",
                      len(aged), entry.key, entry.attempts, (now - aged[0].at) / HOUR,
                      "\n".join(line.alert.text for line in aged))
        if old_states:
            entry.states = [kept for kept in entry.states if kept not in old_states]
            log.error("dropped %d alerts undelivered to %s for a day: %s", len(old_states),
                      entry.key, " / ".join(kept.state.summary for kept in old_states))
        report.dropped += len(aged) + len(old_states)
        if entry.empty:
            del outbox.entries[entry.key]


def _settle(outbox: Outbox, notifier: Notifier, entry: Entry, message: Message,
            outcome: Exception | None, *, tick: int, cap: int, report: FlushReport) -> bool:
    """What one send did to its entry. True when delivered; a refusal drops the entry (logged in
    full), a failure keeps it for the backoff."""
    what = _what(entry)
    if isinstance(outcome, DeliveryError) and outcome.permanent:
        del outbox.entries[entry.key]
        report.refused += 1
        report.refusals.append((notifier.key, outcome))
        log.error("refused for good by %s, not retried: %s\n%s were:\n%s", notifier.key,
                  outcome.detail, what, _contents(entry, message))
        return False
    if isinstance(outcome, DeliveryError):
        _back_off(entry, tick, cap, outcome.retry_after)
        log.warning("not delivered to %s (try %d), %s kept, next try at tick %d: %s",
                    notifier.key, entry.attempts, what, entry.next_try_tick, outcome.detail)
        return False
    if outcome is not None:  # a notifier bug must not lose the message: keep it and retry
        _back_off(entry, tick, cap, None)
        log.error("unexpected failure sending to %s; %s kept for a retry", notifier.key, what,
                  exc_info=outcome)
        return False
    if len(message.states) < len(entry.states):  # one batch of a backlog went: the rest next
        posted = set(message.states)
        entry.states = [kept for kept in entry.states if kept.state not in posted]
        entry.attempts, entry.next_try_tick = 0, tick + 1
        report.sent += 1
        log.info("sent to %s: %d alerts, %d more kept for the next tick", notifier.key,
                 len(message.states), len(entry.states))
        return True
    del outbox.entries[entry.key]
    report.sent += 1
    report.delivered_to.add(notifier.key)
    if getattr(notifier, "shows_message", False):  # the console: the message is on stdout
        log.info("sent to %s: %s", notifier.key, _what(entry))
    else:
        log.info("sent to %s: %s", notifier.key, _contents(entry, message).replace("\n", " / "))
    return True


def _what(entry: Entry) -> str:
    return f"{len(entry.states)} alerts" if entry.states else f"{len(entry.lines)} lines"


def _contents(entry: Entry, message: Message) -> str:
    if entry.states:
        return "; ".join(kept.state.summary for kept in entry.states)
    return "\n".join([message.host, *message.lines])


def _back_off(entry: Entry, tick: int, cap: int, retry_after: float | None) -> None:
    entry.attempts += 1
    entry.next_try_tick = next_try_tick(tick, entry.attempts, cap, retry_after)
    if retry_after is not None:  # binding even when something new comes
        entry.not_before_tick = tick + retry_ticks(retry_after, cap)


def _takes_states(notifier: Notifier) -> bool:
    """Alertmanager takes alert states, every other notifier message lines."""
    return bool(getattr(notifier, "alert_states", False))
