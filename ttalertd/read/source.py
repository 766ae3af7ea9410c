"""The read step: samples from the live system, a recorded root or a replayed scenario, and the
Reading two of them make."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import proc
from ttalertd.read.reading import TRACE_ROWS, Identities, Reading

TYPE_CHECKING = False  # typing costs ~3 ms of every start: T is for annotations only
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

log = logging.getLogger(__name__)


def read(prev: proc.Snapshot, cur: proc.Snapshot, fs: proc.ProcFS, top_n: int, *,
         traced: bool = False) -> Reading:
    """One Reading from two snapshots of the same system; cur is the sample evaluated and `fs`
    the reader of its root (the rest of the tick is read through it). `traced` also ranks the
    TRACE_ROWS busiest processes, for the trace."""
    new_pids = proc.new_pids(prev, cur)
    ranked = proc.top_processes(prev, cur, n=max(top_n, TRACE_ROWS) if traced else top_n, fs=fs)
    busiest = tuple(r for r in ranked[:TRACE_ROWS] if r.cpu) if traced else ()
    sessions = _guarded("sessions", fs.sessions)
    disks = _guarded("disks", fs.disks)
    return Reading(
        time=cur.wall_time,
        uptime=cur.uptime,
        load=cur.load,
        sessions=tuple(sessions) if sessions is not None else None,  # a record: immutable
        top=tuple(ranked[:top_n]),
        top_n=top_n,
        pids=frozenset(cur.stats),
        new_pids=new_pids,
        memory=_guarded("meminfo", fs.meminfo),
        disks=tuple(disks or ()),
        disks_unreadable=disks is None,
        boot_id=_guarded("boot_id", fs.boot_id),
        btime=cur.btime,
        identities=Identities(cur.stats),
        busiest=busiest,
        young=_young(prev, cur, new_pids),
    )


YOUNG_MARGIN = 1.0  # s: a process born just before the previous sample may be missing from it


def _young(prev: proc.Snapshot, cur: proc.Snapshot, new_pids: frozenset[int]) -> frozenset[int]:
    """The new pids that started inside the window: after the previous sample (less a margin,
    as its stat files are read before its uptime). At a reboot between them, every new pid."""
    if prev.uptime is None or cur.uptime is None or cur.uptime < prev.uptime:
        return new_pids
    since = (prev.uptime - YOUNG_MARGIN) * proc.CLK_TCK
    return frozenset(pid for pid in new_pids if cur.stats[pid].starttime > since)


def _guarded(what: str, reader: Callable[[], T]) -> T | None:
    # one unreadable file costs its own value, never the tick
    try:
        return reader()
    except (proc.ParseError, OSError) as exc:
        log.warning("could not read %s: %s", what, exc)
        return None


class Exhausted(Exception):
    """A replayed scenario has no more samples."""


class Source:
    """Samples from the live system, a recorded root or a replayed scenario.

    `fs` is the reader of the last sample's root: what the tick reads besides the snapshot
    (sessions, memory, disks, boot id) comes through it.
    """

    def __init__(self, *, root: str = "/", replay: str | None = None,
                 utmp: str | None = None) -> None:
        self.root = root
        self.replay = replay
        self.utmp = utmp
        self._samples: Iterator[str] | None = _sample_dirs(replay) if replay else None
        self.fs = proc.ProcFS(root=root, utmp_path=utmp)

    @property
    def is_replay(self) -> bool:
        return self.replay is not None

    def snapshot(self) -> proc.Snapshot:
        """The next sample; raises Exhausted when a replay has no more."""
        if self._samples is None:
            return self.fs.snapshot()
        try:
            sample = next(self._samples)
        except StopIteration:
            raise Exhausted(self.replay) from None
        self.fs = proc.ProcFS(root=sample, utmp_path=self.utmp)
        return self.fs.snapshot()


def _sample_dirs(scenario: str) -> Iterator[str]:
    index = 0
    while os.path.isdir(path := os.path.join(scenario, str(index))):
        yield path
        index += 1
