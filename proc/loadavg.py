"""/proc/loadavg: the 1, 5 and 15 minute load averages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from proc.errors import ParseError


@dataclass(slots=True, frozen=True)
class LoadAvg:
    one: float
    five: float
    fifteen: float
    # the three figures as the file wrote them, so an alert quotes them to the letter
    text: str = field(default="", compare=False)


def parse_float(field: bytes, what: str) -> float:
    """A finite float from ASCII bytes, or ParseError naming `what`."""
    try:
        value = float(field)
    except ValueError:
        raise ParseError(f"{what}: not a number: {field[:40]!r}") from None
    if not math.isfinite(value):
        raise ParseError(f"{what}: not finite: {field[:40]!r}")
    return value


def parse_loadavg(data: bytes) -> LoadAvg:
    """Parse '0.52 0.40 0.31 1/234 5678'."""
    fields = data.split()
    if len(fields) < 3:
        raise ParseError(f"loadavg: expected 3 load figures, got {data[:80]!r}")
    one, five, fifteen = (parse_float(f, "loadavg") for f in fields[:3])
    if min(one, five, fifteen) < 0:
        raise ParseError(f"loadavg: negative load in {data[:80]!r}")
    return LoadAvg(one, five, fifteen, b" ".join(fields[:3]).decode("ascii", "replace"))
