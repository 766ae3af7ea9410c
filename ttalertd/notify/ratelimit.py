"""MAX_SMS_PER_HOUR: deliveries counted in a sliding, half-open hour; lines over it are held.

The hour counts messages delivered (sent, or printed), not queued, so a backlog after an outage
goes out as one merged message and then at most MAX_SMS_PER_HOUR in any hour. Held lines are
never dropped: logged in full when held, they go out in the first message that may go.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ttalertd.alert import Alert, merge_lines
from ttalertd.notify.outbox import Line, Outbox

log = logging.getLogger(__name__)

HOUR = 3600.0


def delivered_in_hour(outbox: Outbox, now: float) -> int:
    """Deliveries in the hour before `now`: (now - 3600, now]; one 3600 s old is outside it."""
    # times far ahead are another clock's (a replay's after a live run): they go
    outbox.sent_times = [t for t in outbox.sent_times if now - HOUR < t <= now + HOUR]
    return sum(1 for t in outbox.sent_times if t <= now)


def has_room(outbox: Outbox, now: float, max_per_hour: int) -> bool:
    return delivered_in_hour(outbox, now) < max_per_hour


def count_delivery(outbox: Outbox, now: float) -> None:
    """One message went out (to one notifier or to all): it counts once."""
    outbox.sent_times.append(now)


def hold(outbox: Outbox, alerts: Sequence[Alert], now: float, max_per_hour: int) -> None:
    """Hold this tick's lines for the first message that may go; each is logged in full."""
    if not alerts:
        return
    outbox.held = merge_lines([*outbox.held, *(Line(a, now, held=True) for a in alerts)],
                              lambda line: line.alert)
    delivered = delivered_in_hour(outbox, now)
    for alert in alerts:  # one record per line: each held line greppable, in full
        log.warning("rate limit: %d messages delivered in the last hour (MAX_SMS_PER_HOUR %d); "
                    "held, not sent yet (%d lines held): %s", delivered, max_per_hour,
                    len(outbox.held), alert.text)


def release(outbox: Outbox) -> list[Line]:
    """The held lines, now owed to every rate-limited notifier; the rate limit holds none after."""
    held, outbox.held = outbox.held, []
    return held
