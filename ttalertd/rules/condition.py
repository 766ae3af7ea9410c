"""The life of one threshold condition: over the limit for FOR_TICKS ticks, alerted, recovered with
hysteresis."""

from __future__ import annotations

from enum import Enum

from ttalertd.state.memory import Condition


class Change(Enum):
    FIRE = "fire"
    RECOVER = "recover"


def advance(
    cond: Condition | None,
    kind: str,
    *,
    over: bool,
    recovered: bool,
    for_ticks: int,
    now: float,
) -> tuple[Condition | None, Change | None]:
    """One tick of a condition: the new state (None: forgotten) and what to tell, if anything."""
    if over:
        if cond is None:
            cond = Condition(kind=kind, since=now)
        cond.streak += 1
        if cond.streak >= for_ticks and not cond.told:
            cond.firing = cond.told = True
            return cond, Change.FIRE
        return cond, None
    if cond is None:
        return None, None
    if cond.firing:
        # between the limit and the recovery line it is still the same incident
        return (None, Change.RECOVER) if recovered else (cond, None)
    return None, None  # a streak that broke before FOR_TICKS is forgotten


def below(limit: float, ratio: float) -> float:
    """The recovery line of an upper limit: limit x ratio, without float noise (3 x 0.8 is 2.4)."""
    return round(limit * ratio, 9)


def above(minimum: float, ratio: float) -> float:
    """The recovery line of a lower limit: minimum / ratio, without float noise."""
    return round(minimum / ratio, 9)


def percent(value: float) -> str:
    return f"{value:.0f}%"


def size(n_bytes: float) -> str:
    """117 MiB, 3.8 GiB, 40 GiB: as a person reads sizes in an SMS."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n_bytes / 1024:.0f} KiB"
