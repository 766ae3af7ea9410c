"""CPU percent between two snapshots, and the top N processes, as top shows them by default.

The ranking is pure (records in, ranking out); only the rows of the ranked few are read.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass

from proc.fs import ProcFS, Snapshot
from proc.pid_stat import PidStat

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(slots=True, frozen=True)
class ProcessRow:
    pid: int
    user: str | None  # None where the process's uid could not be read
    name: str
    cmdline: str
    cpu: float | None  # percent of one CPU, one decimal; None where the elapsed time is unknown


def cpu_percent(
    before: PidStat | None,
    after: PidStat,
    a_uptime: float | None,
    b_uptime: float | None,
    clk_tck: int = CLK_TCK,
) -> float | None:
    """100 * delta(utime + stime) / (CLK_TCK * elapsed), unrounded.

    A process absent from the first sample, or whose starttime changed (a reused pid), is new:
    all its ticks count, over its own life in the window (b_uptime - starttime / CLK_TCK).
    """
    ticks = after.utime + after.stime
    if before is not None and before.starttime == after.starttime:
        ticks = max(0, ticks - before.utime - before.stime)
        elapsed = None if a_uptime is None or b_uptime is None else b_uptime - a_uptime
    else:
        elapsed = None if b_uptime is None else b_uptime - after.starttime / clk_tck
    if ticks == 0:
        return 0.0
    if elapsed is None or elapsed <= 0:
        return None
    return 100.0 * ticks / (clk_tck * elapsed)


def earlier_stats(a: Snapshot, b: Snapshot) -> dict[int, PidStat]:
    """What `a` knew of `b`'s processes: nothing after a reboot between them (uptime went back)."""
    rebooted = a.uptime is not None and b.uptime is not None and b.uptime < a.uptime
    return {} if rebooted else a.stats


def new_pids(a: Snapshot, b: Snapshot) -> frozenset[int]:
    """Pids of `b` that are not `a`'s process: absent from `a`, reused (new starttime), rebooted."""
    earlier = earlier_stats(a, b)
    return frozenset(pid for pid, stat in b.stats.items()
                     if (before := earlier.get(pid)) is None or before.starttime != stat.starttime)


@dataclass(slots=True, frozen=True)
class Ranked:
    """One process of the ranking: its stat in the later snapshot and its cpu figure."""

    stat: PidStat
    cpu: float | None  # as ProcessRow.cpu


def rank(a: Snapshot, b: Snapshot, n: int = 8) -> list[Ranked]:
    """The n processes of `b` that used the most CPU since `a`; ties by pid, lowest first.

    Pure: the two records in, the ranking out; nothing is read.
    """
    earlier = earlier_stats(a, b)
    a_uptime, b_uptime = a.uptime, b.uptime
    # live, uptime and the tick counters are both whole centiseconds: over a window of a few of
    # them rounding alone can give one thread 300%, so no figure may pass every CPU at work.
    # A recorded sample is taken at its word: its figures are the formula's, exactly.
    ceiling = 100.0 * b.cpu_count if b.cpu_count and b.live else None
    # three groups, so the many idle processes are never sorted: busy (by cpu), 0.0, unknown
    busy: list[tuple[float, int]] = []
    idle: list[int] = []
    unknown: list[int] = []
    for pid, stat in b.stats.items():
        before = earlier.get(pid)
        if before is stat:  # the same parse of an unchanged stat line: no ticks used (fast path)
            idle.append(pid)
            continue
        cpu = cpu_percent(before, stat, a_uptime, b_uptime)
        if cpu is not None and ceiling is not None and cpu > ceiling:
            cpu = ceiling
        if cpu is None:
            unknown.append(pid)
        elif (cpu := round(cpu, 1)) > 0.0:
            busy.append((-cpu, pid))
        else:
            idle.append(pid)
    # highest cpu first, ties by pid; unknown cpu ranks below every known figure
    best: list[tuple[float | None, int]] = [(-neg, pid) for neg, pid in heapq.nsmallest(n, busy)]
    best += [(0.0, pid) for pid in heapq.nsmallest(n - len(best), idle)]
    best += [(None, pid) for pid in heapq.nsmallest(n - len(best), unknown)]
    return [Ranked(b.stats[pid], cpu) for cpu, pid in best]


def top_processes(a: Snapshot, b: Snapshot, n: int = 8,
                  fs: ProcFS | None = None) -> list[ProcessRow]:
    """rank(), then the owner and command line of the ranked few only, read through `fs`
    (default: a reader of the root `b` was read from)."""
    reader = fs if fs is not None else ProcFS(b.root)
    rows = []
    for ranked in rank(a, b, n):
        pid, comm = ranked.stat.pid, ranked.stat.comm
        uid = reader.uid(pid)
        user = reader.user_name(uid) if uid is not None else None
        rows.append(ProcessRow(pid, user, comm, reader.cmdline(pid, comm), ranked.cpu))
    return rows
