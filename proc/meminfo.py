"""/proc/meminfo: total and available memory, total and free swap, in KiB."""

from __future__ import annotations

from dataclasses import dataclass

from proc.errors import ParseError

_WANTED = (b"MemTotal", b"MemAvailable", b"SwapTotal", b"SwapFree")


@dataclass(slots=True, frozen=True)
class Meminfo:
    total_kib: int
    available_kib: int | None  # None on kernels before 3.14, which lack MemAvailable
    swap_total_kib: int
    swap_free_kib: int


def parse_meminfo(data: bytes) -> Meminfo:
    """Parse 'MemTotal:  16314060 kB' lines; MemTotal is required, swap defaults to 0."""
    values: dict[bytes, int] = {}
    for line in data.splitlines():
        key, sep, rest = line.partition(b":")
        if not sep or key not in _WANTED:
            continue
        fields = rest.split()
        try:
            value = int(fields[0])
        except (IndexError, ValueError):
            raise ParseError(f"meminfo: bad {key.decode()} line {line[:80]!r}") from None
        if value < 0:
            raise ParseError(f"meminfo: negative {key.decode()}")
        values[key] = value
    if b"MemTotal" not in values:
        raise ParseError("meminfo: no MemTotal line")
    return Meminfo(
        values[b"MemTotal"],
        values.get(b"MemAvailable"),
        values.get(b"SwapTotal", 0),
        values.get(b"SwapFree", 0),
    )
