"""Reading: everything one tick evaluates, as plain data (source.read builds it)."""

from __future__ import annotations

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


@dataclass(slots=True, frozen=True)
class PeerHeartbeat:
    """One live TTAlertHeartbeat an Alertmanager holds: whose it is, and whether it said stopping."""

    instance: str  # the peer's host name
    stopping: bool = False  # posted at a clean stop (SIGTERM/SIGINT): a planned absence
