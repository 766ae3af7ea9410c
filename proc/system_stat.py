"""/proc/stat: the number of CPUs (cpuN lines) and the boot time (btime)."""

from __future__ import annotations

from dataclasses import dataclass

from proc.errors import ParseError


@dataclass(slots=True, frozen=True)
class SystemStat:
    cpu_count: int | None
    btime: int | None  # boot time, seconds since the epoch


def parse_system_stat(data: bytes) -> SystemStat:
    """Count the cpuN lines and read btime; other lines are not needed."""
    cpu_count = 0
    btime = None
    for line in data.splitlines():
        if line.startswith(b"cpu") and line[3:4].isdigit():
            cpu_count += 1
        elif line.startswith(b"btime"):
            fields = line.split()
            try:
                btime = int(fields[1])
            except (IndexError, ValueError):
                raise ParseError(f"stat: bad btime line {line[:80]!r}") from None
    return SystemStat(cpu_count or None, btime)
