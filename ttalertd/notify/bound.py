"""The outbox's bound: however long an outage lasts, memory.json stays under 16 MB.

Kept Alertmanager posts grow by every event of every tick; kept lines by every login. Past
OUTBOX_BYTES the oldest go, each logged in full: Alertmanager's events first (its conditions are
already merged to their latest state), then its oldest conditions, then the oldest lines owed to
a notifier, then the oldest held lines. The rest of the state (rules' memory, peers, phone) is
small beside the remaining 4 MB.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

from ttalertd.alert import alert_to_json
from ttalertd.notify.outbox import Entry, KeptState, Line, Outbox, state_to_json

log = logging.getLogger(__name__)
T = TypeVar("T")

STATE_BYTES = 16 * 1024 * 1024  # interface.md section 13: the state never grows past this
OUTBOX_BYTES = 12 * 1024 * 1024  # what the outbox may take of it
ITEM_OVERHEAD = 64  # separators, the "at" and "held" fields


def line_size(line: Line) -> int:
    if not line.size:  # measured once: twice its text (the entry's salvage text holds it too)
        line.size = (len(json.dumps(alert_to_json(line.alert))) + len(line.alert.text)
                     + ITEM_OVERHEAD)
    return line.size


def state_size(kept: KeptState) -> int:
    if not kept.size:
        kept.size = len(json.dumps(state_to_json(kept.state, kept.at))) + ITEM_OVERHEAD
    return kept.size


def outbox_size(outbox: Outbox) -> int:
    """Bytes the outbox takes in memory.json, near enough (a little over, never under)."""
    total = sum(line_size(line) for line in outbox.held) + 16 * len(outbox.sent_times)
    for entry in outbox.entries.values():
        total += 256 + sum(map(line_size, entry.lines)) + sum(map(state_size, entry.states))
    return total


def bound_outbox(outbox: Outbox, limit: int = OUTBOX_BYTES) -> int:
    """Drop the oldest kept items until the outbox fits `limit`; how many went (each logged)."""
    excess = outbox_size(outbox) - limit
    if excess <= 0:
        return 0
    dropped = 0
    entries = sorted(outbox.entries.values(), key=lambda e: e.key)
    for event in (True, False):  # Alertmanager's events, then its conditions
        for entry in entries:
            excess, n = _drop_states(entry, event=event, excess=excess)
            dropped += n
    for entry in entries:
        excess, n = _drop_lines(entry.key, entry.lines, excess)
        dropped += n
    excess, n = _drop_lines("the rate limit's held lines", outbox.held, excess)
    dropped += n
    for key in [k for k, e in outbox.entries.items() if e.empty]:
        del outbox.entries[key]
    return dropped


def _drop_states(entry: Entry, *, event: bool, excess: int) -> tuple[int, int]:
    candidates = [k for k in entry.states if k.state.event is event]
    gone, excess = _oldest_covering(candidates, excess, lambda k: k.at, state_size)
    if gone:
        entry.states = _without(entry.states, gone)
        log.error("state file bound (%d MB): dropped %d kept Alertmanager alerts for %s: %s",
                  STATE_BYTES >> 20, len(gone), entry.key,
                  " / ".join(k.state.summary for k in gone))
    return excess, len(gone)


def _drop_lines(where: str, lines: list[Line], excess: int) -> tuple[int, int]:
    gone, excess = _oldest_covering(lines, excess, lambda line: line.at, line_size)
    if gone:
        lines[:] = _without(lines, gone)
        log.error("state file bound (%d MB): dropped %d lines kept for %s:\n%s",
                  STATE_BYTES >> 20, len(gone), where, "\n".join(g.alert.text for g in gone))
    return excess, len(gone)


def _oldest_covering(items: list[T], excess: int, at: Callable[[T], float],
                     size: Callable[[T], int]) -> tuple[list[T], int]:
    """The oldest of `items` whose sizes cover `excess`, and what excess is left after them."""
    gone: list[T] = []
    for item in sorted(items, key=at):
        if excess <= 0:
            break
        gone.append(item)
        excess -= size(item)
    return gone, excess


def _without(items: list[T], gone: list[T]) -> list[T]:
    ids = {id(item) for item in gone}  # by identity: two equal kept items are still two
    return [item for item in items if id(item) not in ids]
