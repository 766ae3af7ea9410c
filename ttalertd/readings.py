"""The read step: turn two proc snapshots into one Reading, the input of the evaluate step."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import proc

log = logging.getLogger(__name__)


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


def read(prev: proc.Snapshot, cur: proc.Snapshot, top_n: int) -> Reading:
    """One Reading from two snapshots of the same system (cur is the sample evaluated)."""
    fs = cur.fs
    return Reading(
        time=cur.wall_time,
        uptime=cur.uptime,
        load=cur.load,
        sessions=_guarded("sessions", fs.sessions),
        top=tuple(proc.top_processes(prev, cur, n=top_n)),
        top_n=top_n,
        pids=frozenset(cur.stats),
        new_pids=proc.new_pids(prev, cur),
        memory=_guarded("meminfo", fs.meminfo),
        disks=tuple(_guarded("disks", fs.disks) or ()),
        boot_id=_guarded("boot_id", fs.boot_id),
        btime=cur.btime,
    )


def _guarded(what, reader):
    # one unreadable file costs its own value, never the tick
    try:
        return reader()
    except (proc.ParseError, OSError) as exc:
        log.warning("could not read %s: %s", what, exc)
        return None


class Exhausted(Exception):
    """A replayed scenario has no more samples."""


class Source:
    """Where samples come from: the live system, one recorded root, or a replayed scenario."""

    def __init__(self, *, root: str = "/", replay: str | None = None, utmp: str | None = None):
        self.root = root
        self.replay = replay
        self.utmp = utmp
        self._samples: Iterator[str] | None = _sample_dirs(replay) if replay else None
        self._fs = None if replay else proc.ProcFS(root=root, utmp_path=utmp)

    @property
    def is_replay(self) -> bool:
        return self.replay is not None

    def snapshot(self) -> proc.Snapshot:
        """The next sample; raises Exhausted when a replay has no more."""
        if self._samples is None:
            return self._fs.snapshot()
        try:
            sample = next(self._samples)
        except StopIteration:
            raise Exhausted(self.replay) from None
        return proc.ProcFS(root=sample, utmp_path=self.utmp).snapshot()


def _sample_dirs(scenario: str) -> Iterator[str]:
    index = 0
    while os.path.isdir(path := os.path.join(scenario, str(index))):
        yield path
        index += 1
