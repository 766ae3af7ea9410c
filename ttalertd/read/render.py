"""`ttalertd snapshot`: what a tick would see, as a top-like table or interface.md's JSON."""

from __future__ import annotations

import json

from ttalertd.read.reading import Reading
from ttalertd.untrusted import printable

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any


def snapshot_json(reading: Reading) -> dict[str, Any]:
    load = reading.load
    return {
        "load": None if load is None else
        {"one": load.one, "five": load.five, "fifteen": load.fifteen},
        "users": None if reading.sessions is None else [
            {"user": s.user, "line": s.line, "host": s.host, "pid": s.pid,
             # whole seconds, the format interface.md shows (utmp and logind keep microseconds)
             "since": s.since.replace(microsecond=0).isoformat()} for s in reading.sessions],
        "top": [{"pid": r.pid, "user": r.user, "name": r.name, "cmdline": r.cmdline,
                 "cpu": r.cpu} for r in reading.top],
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
    lines.append("")
    lines.append(f"{'PID':>7} {'USER':<10} {'%CPU':>6}  {'COMMAND':<16} CMDLINE")
    for r in reading.top:
        cpu = "?" if r.cpu is None else f"{r.cpu:.1f}"
        user = "?" if r.user is None else printable(r.user[:10])
        lines.append(f"{r.pid:>7} {user:<10} {cpu:>6}  {printable(r.name[:16]):<16} "
                     f"{printable(r.cmdline[:80])}")
    return "\n".join(lines)
