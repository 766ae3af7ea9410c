"""Reading: everything one tick evaluates, as plain data (source.read builds it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

TYPE_CHECKING = False  # not typing's: typing costs ~3 ms of every start

if TYPE_CHECKING:  # the rules import this record without loading the readers
    import proc


@dataclass(slots=True, frozen=True)
class Reading:
    """Everything one tick evaluates; plain data, so the rules need no /proc."""

    time: float  # wall-clock epoch seconds of the sample (btime + uptime, else the live clock)
    uptime: float | None
    load: proc.LoadAvg | None
    sessions: tuple[proc.Session, ...] | None  # None when they could not be read
    top: tuple[proc.ProcessRow, ...]  # ranked, highest cpu first
    top_n: int  # how many were asked for: fewer rows means every process was ranked
    pids: frozenset[int]  # every pid of the sample, to tell "exited" from "fell out of the top"
    memory: proc.Meminfo | None
    disks: tuple[proc.DiskUsage, ...]
    boot_id: str | None
    btime: int | None
    # pids that are not the previous sample's process (absent, reused or rebooted): no CPU streak
    new_pids: frozenset[int] = frozenset()
    # pid -> (start time in clock ticks after boot, name) of every process of the sample, so a
    # pid that now belongs to another process is told apart; None where not known (old callers)
    identities: Mapping[int, tuple[int, str]] | None = None
    # the busiest processes (cpu above 0, at most TRACE_ROWS) for the trace; () when not ranked
    busiest: tuple[proc.ProcessRow, ...] = ()
    # pids born inside the tick's window (their figure is over their own short life: they
    # cannot alert); None: take new_pids for it
    young: frozenset[int] | None = None
    # the mount table (or a recorded statvfs.json) could not be read: `disks` says nothing
    disks_unreadable: bool = False

    def young_pids(self) -> frozenset[int]:
        return self.new_pids if self.young is None else self.young


TRACE_ROWS = 20  # a trace keeps this many busy processes: a backtest may rank up to TOP_N 20


class Identities(Mapping[int, tuple[int, str]]):
    """pid -> (start time, name), read from a sample's stat records when asked (2,000 pids: no
    copy per tick)."""

    __slots__ = ("_stats",)

    def __init__(self, stats: Mapping[int, proc.PidStat]) -> None:
        self._stats = stats

    def __getitem__(self, pid: int) -> tuple[int, str]:
        stat = self._stats[pid]
        return stat.starttime, stat.comm

    def __iter__(self) -> Iterator[int]:
        return iter(self._stats)

    def __len__(self) -> int:
        return len(self._stats)


@dataclass(slots=True, frozen=True)
class PeerHeartbeat:
    """One live TTAlertHeartbeat an Alertmanager holds: whose it is, and whether it said
    stopping."""

    instance: str  # the peer's host name
    stopping: bool = False  # posted at a clean stop (SIGTERM/SIGINT): a planned absence
