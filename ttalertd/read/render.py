"""`ttalertd snapshot`: what a tick would see, as a top-like table or interface.md's JSON."""

from __future__ import annotations

import json

from ttalertd.read.reading import Reading
from ttalertd.untrusted import printable

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any


def snapshot_json(reading: Reading) -> dict[str, Any]:
    load, info = reading.load, reading.memory
    return {
        "load": None if load is None else
        {"one": load.one, "five": load.five, "fifteen": load.fifteen},
        "users": None if reading.sessions is None else [
            {"user": s.user, "line": s.line, "host": s.host, "pid": s.pid,
             # whole seconds, the format interface.md shows (utmp and logind keep microseconds)
             "since": s.since.replace(microsecond=0).isoformat()} for s in reading.sessions],
        "top": [{"pid": r.pid, "user": r.user, "name": r.name, "cmdline": r.cmdline,
                 "cpu": r.cpu} for r in reading.top],
        "memory": None if info is None else
        {"total_kib": info.total_kib, "available_kib": info.available_kib},
        "swap": None if info is None else
        {"total_kib": info.swap_total_kib, "free_kib": info.swap_free_kib},
        # the filesystems the disk rule watches (the real ones of proc/self/mounts)
        "disks": None if reading.disks_unreadable else [
            {"mountpoint": d.mountpoint, "device": d.device, "fstype": d.fstype,
             "total_bytes": d.blocks * d.bsize, "available_bytes": d.bavail * d.bsize,
             "free_percent": round(d.free_percent, 1)} for d in reading.disks],
    }


def render_json(reading: Reading) -> str:
    return json.dumps(snapshot_json(reading), indent=2)


def render_table(reading: Reading) -> str:
    load = reading.load
    lines = ["load average: " + (
        f"{load.one:.2f} {load.five:.2f} {load.fifteen:.2f}" if load else "unreadable")]
    sessions = reading.sessions
    if sessions is None:
        lines.append("users: unreadable")
    else:
        lines.append(f"users: {len(sessions)}")
        for s in sessions:  # a table on a terminal: no user-written escape may reach it
            host = f" from {printable(s.host)}" if s.host else ""
            lines.append(f"  {printable(s.user):<12} {printable(s.line):<8} "
                         f"since {s.since:%Y-%m-%d %H:%M}Z{host}")
    lines += _resources(reading)
    lines.append("")
    lines.append(f"{'PID':>7} {'USER':<10} {'%CPU':>6}  {'COMMAND':<16} CMDLINE")
    for r in reading.top:
        cpu = "?" if r.cpu is None else f"{r.cpu:.1f}"
        user = "?" if r.user is None else printable(r.user[:10])
        lines.append(f"{r.pid:>7} {user:<10} {cpu:>6}  {printable(r.name[:16]):<16} "
                     f"{printable(r.cmdline[:80])}")
    return "\n".join(lines)


def _resources(reading: Reading) -> list[str]:
    """memory, swap and each watched disk, as the memory, swap and disk rules see them."""
    info = reading.memory
    if info is None:
        lines = ["memory: unreadable", "swap: unreadable"]
    else:
        if info.available_kib is None or info.total_kib <= 0:
            lines = [f"memory: {_kib(info.total_kib)} total, available unknown"]
        else:
            pct = 100.0 * info.available_kib / info.total_kib
            lines = [(f"memory: {pct:.0f}% available ({_kib(info.available_kib)} of "
                     f"{_kib(info.total_kib)})")]
        if info.swap_total_kib <= 0:
            lines.append("swap: none")
        else:
            used = info.swap_total_kib - info.swap_free_kib
            lines.append(f"swap: {100.0 * used / info.swap_total_kib:.0f}% used "
                         f"({_kib(used)} of {_kib(info.swap_total_kib)})")
    if reading.disks_unreadable:
        lines.append("disks: unreadable")
        return lines
    lines.append(f"disks: {len(reading.disks)}")
    for d in reading.disks:
        lines.append(f"  {printable(d.mountpoint):<20} {d.free_percent:5.1f}% free "
                     f"({_bytes(d.bavail * d.bsize)} of {_bytes(d.blocks * d.bsize)}) "
                     f"{printable(d.device)} {printable(d.fstype)}")
    return lines


def _kib(kib: int) -> str:
    return _bytes(kib * 1024)


def _bytes(n: float) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1024:.0f} KiB"
