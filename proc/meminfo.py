"""/proc/meminfo: total and available memory, total and free swap, in KiB."""

from __future__ import annotations

from dataclasses import dataclass

from proc.errors import ParseError

_WANTED = (b"MemTotal", b"MemAvailable", b"SwapTotal", b"SwapFree")
_MAX_DIGITS = 20  # no KiB count of a real machine is longer; a longer one is damage


@dataclass(slots=True, frozen=True)
class Meminfo:
    total_kib: int
    available_kib: int | None  # None on kernels before 3.14, which lack MemAvailable, or unreadable
    swap_total_kib: int  # 0 without swap, or when a swap line is unreadable (as psutil does)
    swap_free_kib: int
    unreadable: tuple[str, ...] = ()  # the fields whose line was damaged: None, or 0 for swap


def parse_meminfo(data: bytes) -> Meminfo:
    """Parse 'MemTotal:  16314060 kB' lines. MemTotal is required; a damaged line of another field
    (a negative or non-numeric value) costs that value alone, named in `unreadable`."""
    values: dict[bytes, int | None] = {}
    for line in data.splitlines():
        key, sep, rest = line.partition(b":")
        if not sep or key not in _WANTED or key in values:
            continue
        fields = rest.split()
        number = fields[0] if fields else b""
        values[key] = int(number) if number.isdigit() and len(number) <= _MAX_DIGITS else None
    total = values.get(b"MemTotal")
    if total is None:
        why = "a damaged" if b"MemTotal" in values else "no"
        raise ParseError(f"meminfo: {why} MemTotal line")
    unreadable = tuple(k.decode() for k, v in values.items() if v is None)
    swap_total, swap_free = values.get(b"SwapTotal", 0), values.get(b"SwapFree", 0)
    if swap_total is None or swap_free is None:  # one without the other says nothing of swap use:
        swap_total = swap_free = 0  # read as no swap, so no swap alert is made up
    return Meminfo(total, values.get(b"MemAvailable"), swap_total, swap_free, unreadable)
