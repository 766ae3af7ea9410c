"""Delivery: queue each message per notifier (rate limited), then send what is due, retrying with backoff.

At least once: the caller saves the outbox (memory.json) after enqueue and before flush, so a
message interrupted mid-send by SIGKILL is sent after restart, possibly twice, never zero times.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ttalertd.notifiers.base import DeliveryError, Notifier
from ttalertd.notify.message import Message, compose, message_lines
from ttalertd.notify.outbox import Outbox, OutboxEntry
from ttalertd.notify.retry import is_due, next_try_tick

__all__ = ["FlushReport", "Outbox", "OutboxEntry", "enqueue", "flush", "summary_line"]

log = logging.getLogger(__name__)

HOUR = 3600.0
MAX_AGE = 24 * HOUR  # a message not delivered within a day is dropped, with its text in the log


@dataclass(slots=True)
class FlushReport:
    """What one flush did. `kept` counts entries of active notifiers still waiting afterwards."""

    sent: int = 0
    kept: int = 0
    refused: int = 0
    dropped: int = 0

    @property
    def undelivered(self) -> bool:
        """A message was kept for later, refused for good or dropped: `--once` exits 1."""
        return self.kept > 0 or self.refused > 0 or self.dropped > 0


def enqueue(
    outbox: Outbox,
    message: Message,
    notifiers: list[Notifier],
    *,
    now: float,
    tick: int,
    max_per_hour: int,
) -> Message | None:
    """Queue `message` for every notifier, unless the rate limit holds it back.

    Returns the message the rate-limited notifiers will get (with a summary line of held
    alerts when there are some), None when it was held, or `message` itself when no
    notifier is rate limited (Alertmanager gets `message` unchanged either way)."""
    unique = list({n.key: n for n in notifiers}.values())  # a number listed twice gets one SMS
    limited = [n for n in unique if n.rate_limited]
    outgoing: Message | None = message
    if limited:
        outgoing = _pass_rate_limit(outbox, message, now=now, max_per_hour=max_per_hour)
        if outgoing is not None:
            for notifier in limited:
                outbox.entries.append(_entry(notifier.key, outgoing, now, tick))
    for notifier in unique:
        if not notifier.rate_limited:
            outbox.entries.append(_entry(notifier.key, message, now, tick))
    return outgoing


def _entry(key: str, message: Message, now: float, tick: int) -> OutboxEntry:
    return OutboxEntry(key, message.host, message.text, message.alerts, created=now,
                       next_try_tick=tick)


def _pass_rate_limit(outbox: Outbox, message: Message, *, now: float, max_per_hour: int
                     ) -> Message | None:
    """Count `message` in the sliding hour, or hold it: logged in full, its alerts counted."""
    # times an hour old leave the window; times far ahead are another clock (a replay's) and go too
    outbox.sent_times = [t for t in outbox.sent_times if now - HOUR < t <= now + HOUR]
    if len(outbox.sent_times) >= max_per_hour:
        held = _alert_count(message)
        if outbox.held_alerts == 0 or outbox.held_since is None:
            outbox.held_since = now
        outbox.held_alerts += held
        log.warning(
            "rate limit: %d messages in the last hour (MAX_SMS_PER_HOUR %d); "
            "held, not sent (%d alerts held so far):\n%s",
            len(outbox.sent_times), max_per_hour, outbox.held_alerts, message.text,
        )
        return None
    outbox.sent_times.append(now)
    if outbox.held_alerts <= 0 or outbox.held_since is None:
        return message
    outgoing = _with_summary(message, outbox.held_alerts, outbox.held_since)
    outbox.held_alerts, outbox.held_since = 0, None
    return outgoing


def _alert_count(message: Message) -> int:
    """Alerts a held message carries: its alert records, else its lines after the host name."""
    return len(message.alerts) or max(1, message.text.count("\n"))


def summary_line(count: int, since: float) -> str:
    """"and 37 more alerts since 14:02": local time of the first held alert."""
    return f"and {count} more alerts since {time.strftime('%H:%M', time.localtime(since))}"


def _with_summary(message: Message, held: int, since: float) -> Message:
    """`message` recomposed with the summary after its alert lines, within 1600 characters."""
    lines = message_lines(message.alerts) or message.text.split("\n")[1:]
    text = compose(message.host, lines, footer=summary_line(held, since))
    return Message(host=message.host, text=text, alerts=message.alerts, created=message.created)


def flush(
    outbox: Outbox,
    notifiers: list[Notifier],
    *,
    now: float,
    tick: int,
    ticks_per_hour: int,
) -> FlushReport:
    """Try every due entry of an active notifier, oldest first; see the module docstring."""
    report = FlushReport()
    cap = max(1, int(ticks_per_hour))
    _drop_aged(outbox, now, report)
    for notifier in {n.key: n for n in notifiers}.values():
        _flush_key(outbox, notifier, tick=tick, cap=cap, report=report)
    active = {n.key for n in notifiers}
    report.kept = sum(1 for entry in outbox.entries if entry.key in active)
    return report


def _drop_aged(outbox: Outbox, now: float, report: FlushReport) -> None:
    """Entries queued more than MAX_AGE ago go, active notifier or not, with their text logged."""
    for entry in [e for e in outbox.entries if now - e.created > MAX_AGE]:
        outbox.entries.remove(entry)
        report.dropped += 1
        log.error(
            "dropped undelivered message to %s after %d tries, queued %.1f h ago:\n%s",
            entry.key, entry.attempts, (now - entry.created) / HOUR, entry.text,
        )


def _flush_key(outbox: Outbox, notifier: Notifier, *, tick: int, cap: int,
               report: FlushReport) -> None:
    """Due entries oldest first; one transient failure ends this key's turn (no hammering a
    dead endpoint); one success makes the rest of its queue due now (it is back)."""
    queue = sorted((e for e in outbox.entries if e.key == notifier.key), key=lambda e: e.created)
    due = [e for e in queue if is_due(e.next_try_tick, tick, cap)]
    waiting = [e for e in queue if e not in due]
    delivered = False
    for batch in (due, waiting):
        if batch is waiting and not delivered:
            return
        for entry in batch:
            outcome = _try(outbox, notifier, entry, tick=tick, cap=cap, report=report)
            if outcome is None:
                return  # transient failure: the rest waits for a later tick
            delivered = delivered or outcome


def _try(outbox: Outbox, notifier: Notifier, entry: OutboxEntry, *, tick: int, cap: int,
         report: FlushReport) -> bool | None:
    """Send one entry. True sent, False refused for good, None kept for a retry."""
    try:
        notifier.send(entry.message())
    except DeliveryError as error:
        if error.permanent:
            outbox.entries.remove(entry)
            report.refused += 1
            log.error("refused for good by %s, not retried: %s\nmessage was:\n%s",
                      notifier.key, error.detail, entry.text)
            return False
        _back_off(entry, tick, cap, error.retry_after)
        log.warning("not delivered to %s (try %d), next try at tick %d: %s",
                    notifier.key, entry.attempts, entry.next_try_tick, error.detail)
        return None
    except Exception:  # a notifier bug must not lose the message: keep it and retry
        _back_off(entry, tick, cap, None)
        log.exception("unexpected failure sending to %s; kept for a retry", notifier.key)
        return None
    outbox.entries.remove(entry)
    report.sent += 1
    log.info("sent to %s: %s", notifier.key, entry.text.replace("\n", " / "))
    return True


def _back_off(entry: OutboxEntry, tick: int, cap: int, retry_after: float | None) -> None:
    entry.attempts += 1
    entry.next_try_tick = next_try_tick(tick, entry.attempts, cap, retry_after)
