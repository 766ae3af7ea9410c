"""Load rule: the 1-minute load over LOAD_AVG_MAX, and above the load last alerted x
LOAD_ESCALATE_RATIO."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.rules.condition import Change, advance, below
from ttalertd.state.memory import AlertMemory

if TYPE_CHECKING:  # annotations only: the rules never load the readers
    import proc

KEY = "load"


def figures(load: proc.LoadAvg) -> str:
    """The three figures as /proc/loadavg writes them."""
    return load.text or f"{load.one:.2f} {load.five:.2f} {load.fifteen:.2f}"


def check_load(
    load: proc.LoadAvg | None, memory: AlertMemory, config: Config, now: float
) -> list[tuple[Alert, Change]]:
    if load is None:
        return []  # an unreadable loadavg changes nothing
    limit = config.load_avg_max
    before = memory.conditions.get(KEY)
    since = before.since if before else now
    cond, change = advance(
        before,
        "load",
        over=load.one > limit,
        recovered=load.one < below(limit, config.recover_ratio),
        for_ticks=config.for_ticks,
        now=now,
    )
    if cond is None:
        memory.conditions.pop(KEY, None)
        if change is Change.RECOVER:
            return [(Alert("load", f"load back to normal: {figures(load)}", KEY, recovery=True,
                           starts_at=since), change)]
        return []
    memory.conditions[KEY] = cond
    # within one incident only a clearly higher load alerts again: LOAD_ESCALATE_RATIO x the
    # last alerted figure (1: any new peak, as the original did), so a load hovering at its
    # limit is one line, not one per wobble
    escalated = cond.firing and change is None and load.one > limit and (
        cond.level is None or load.one > round(cond.level * config.load_escalate_ratio, 9))
    if change is Change.FIRE or escalated:
        cond.level = load.one
        cond.text = f"load average {figures(load)} (limit {limit:g})"
        return [(Alert("load", cond.text, KEY, starts_at=cond.since), Change.FIRE)]
    return []
