"""The one retry schedule of every notifier: exponential backoff counted in ticks."""

from __future__ import annotations

import math

HOUR = 3600.0


def backoff_ticks(attempts: int, cap: int) -> int:
    """Ticks to wait after the n-th failed try: 1, 2, 4, 8 ... at most `cap` (an hour's worth)."""
    return min(2 ** min(max(attempts - 1, 0), 62), cap)


def retry_ticks(retry_after: float, cap: int) -> int:
    """The far side's Retry-After (seconds) in ticks, `cap` ticks making an hour, at most `cap`."""
    return min(max(0, math.ceil(retry_after * cap / HOUR)), cap)


def next_try_tick(tick: int, attempts: int, cap: int, retry_after: float | None) -> int:
    """The tick of the next try after `attempts` failures; the far side's Retry-After if longer."""
    wait = backoff_ticks(attempts, cap)
    if retry_after is not None:
        wait = max(wait, retry_ticks(retry_after, cap))
    return tick + wait


def is_due(next_try: int, tick: int, cap: int) -> bool:
    # a next try beyond any backoff means the tick count was reset (a fresh state): try now
    return next_try <= tick or next_try - tick > cap
