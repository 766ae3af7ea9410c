"""One line per rule with a figure: that figure over the backtest, in Unicode blocks, against its
limit, with a mark under each column where a message carried one of the rule's lines."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from ttalertd.backtest.run import Outcome
from ttalertd.config.records import Config

BLOCKS = "▁▂▃▄▅▆▇█"
MARK = "^"
LABEL = 12  # columns of the rule's name before its line


@dataclass(slots=True, frozen=True)
class Lane:
    """A rule's figure: where to find it, its limit, and which way is bad."""

    label: str
    figure: str  # the key in Figures.values
    limit: float | None
    upper: bool  # True: over the limit is bad (load, swap, cpu); False: under it (memory, disk)
    unit: str  # "" for load, "%" for the rest
    scale: float | None  # the top of the scale; None: the larger of the peak and the limit

    def alerts(self, key: str) -> bool:
        if self.figure == "cpu":
            return key.startswith("cpu:")
        return key == self.figure


def lanes(outcome: Outcome, config: Config) -> list[Lane]:
    seen: dict[str, None] = {}
    for figures in outcome.figures:
        for name, value in figures.values.items():
            if value is not None:
                seen.setdefault(name, None)
    out = [Lane("load", "load", config.load_avg_max, True, "", None)]
    if "memory" in seen:
        out.append(Lane("memory", "memory", config.mem_available_min, False, "%", 100.0))
    if "swap" in seen:
        out.append(Lane("swap", "swap", config.swap_used_max, True, "%", 100.0))
    for name in sorted(n for n in seen if n.startswith("disk:")):
        out.append(Lane(f"disk {name[5:]}", name, config.disk_free_min, False, "%", 100.0))
    out.append(Lane("busiest cpu", "cpu", config.cpu_limit, True, "%", None))
    return out


def draw(outcome: Outcome, config: Config, width: int) -> list[str]:
    """Two lines per lane (the figure, then the marks), `width` columns wide at most."""
    if not outcome.figures:
        return []
    chosen = lanes(outcome, config)
    stats = [_stats(lane, outcome) for lane in chosen]
    bar = max(10, width - LABEL - 2 - max(len(s) for s in stats))
    times = [f.time for f in outcome.figures]
    columns = _columns(len(times), bar)
    starts = [lo for lo, _hi in columns]
    lines = []
    for lane, text in zip(chosen, stats, strict=True):
        values = [f.values.get(lane.figure) for f in outcome.figures]
        shown = [v for v in values if v is not None]
        top = lane.scale or max([*shown, lane.limit or 0.0, 1e-9])
        cells = []
        for lo, hi in columns:
            part = [v for v in values[lo:hi] if v is not None]
            worst = (max(part) if lane.upper else min(part)) if part else None
            cells.append(" " if worst is None else BLOCKS[_level(worst, top)])
        marks = [" "] * len(columns)
        for sent in outcome.sent:
            if any(lane.alerts(k) for k in sent.keys):
                index = min(bisect.bisect_left(times, sent.time), len(times) - 1)
                marks[bisect.bisect_right(starts, index) - 1] = MARK
        lines.append(f"{lane.label[:LABEL - 1]:<{LABEL}}{''.join(cells)}  {text}")
        if MARK in marks:
            lines.append(" " * LABEL + "".join(marks).rstrip())
    return [line.rstrip() for line in lines]


def _stats(lane: Lane, outcome: Outcome) -> str:
    shown = [v for f in outcome.figures if (v := f.values.get(lane.figure)) is not None]
    if not shown:
        return "no figures"
    worst = max(shown) if lane.upper else min(shown)
    name = "peak" if lane.upper else "lowest"
    if lane.limit is None:
        return f"{name} {_figure(worst, lane.unit)}, rule off"
    top = lane.scale or max([*shown, lane.limit, 1e-9])
    word = "limit" if lane.upper else "min"
    return (f"{name} {_figure(worst, lane.unit)}, {word} {_figure(lane.limit, lane.unit)} "
            f"({BLOCKS[_level(lane.limit, top)]})")


def _figure(value: float, unit: str) -> str:
    return f"{value:.2f}" if not unit else f"{value:.0f}{unit}"


def _level(value: float, top: float) -> int:
    """0..7: the block of `value` on a scale of 0..top."""
    if top <= 0:
        return 0
    return max(0, min(len(BLOCKS) - 1, math.ceil(value / top * len(BLOCKS)) - 1))


def _columns(ticks: int, width: int) -> list[tuple[int, int]]:
    """Tick ranges [lo, hi) of each column: one tick a column when they fit, else even shares."""
    count = min(ticks, width)
    return [(c * ticks // count, (c + 1) * ticks // count) for c in range(count)]

