"""/proc/uptime: seconds since boot (the clock between two samples) and idle seconds."""

from __future__ import annotations

from dataclasses import dataclass

from proc.errors import ParseError
from proc.loadavg import parse_float


@dataclass(slots=True, frozen=True)
class Uptime:
    seconds: float
    idle: float


def parse_uptime(data: bytes) -> Uptime:
    """Parse '1010.00 3980.50'; a recorded file with the first field only gets idle 0.0."""
    fields = data.split()
    if not fields:
        raise ParseError("uptime: empty")
    seconds = parse_float(fields[0], "uptime")
    idle = parse_float(fields[1], "uptime idle") if len(fields) > 1 else 0.0
    if seconds < 0:
        raise ParseError(f"uptime: negative {data[:80]!r}")
    return Uptime(seconds, idle)
