"""/proc/<pid>/stat: the fields a CPU ranking needs."""

from __future__ import annotations

from dataclasses import dataclass

from proc._text import decode
from proc.errors import ParseError


@dataclass(slots=True, frozen=True)
class PidStat:
    pid: int
    comm: str
    state: str
    ppid: int
    utime: int  # clock ticks in user mode
    stime: int  # clock ticks in kernel mode
    num_threads: int
    starttime: int  # clock ticks after boot at which the process started


def parse_pid_stat(data: bytes) -> PidStat:
    """Parse one stat line; comm may hold spaces and parentheses, so it ends at the LAST ')'."""
    open_paren = data.find(b"(")
    close_paren = data.rfind(b")")
    if open_paren < 0 or close_paren < open_paren:
        raise ParseError(f"pid stat: no '(comm)' in {data[:80]!r}")
    # after ")": state(3) ppid(4) ... utime(14) stime(15) ... num_threads(20) itrealvalue
    # starttime(22)
    rest = data[close_paren + 1 :].split(None, 20)  # fields 3..22, the tail unsplit
    if len(rest) < 20:
        raise ParseError(f"pid stat: {len(rest) + 2} fields, need 22: {data[:80]!r}")
    try:
        pid = int(data[:open_paren])
        ppid, utime, stime = int(rest[1]), int(rest[11]), int(rest[12])
        num_threads, starttime = int(rest[17]), int(rest[19])
    except ValueError:
        raise ParseError(f"pid stat: bad number in {data[:80]!r}") from None
    if pid < 0 or utime < 0 or stime < 0 or starttime < 0:
        raise ParseError(f"pid stat: negative pid or counter in {data[:80]!r}")
    comm = decode(data[open_paren + 1 : close_paren])
    return PidStat(
        pid, comm, rest[0].decode("ascii", "replace"), ppid, utime, stime, num_threads, starttime
    )
