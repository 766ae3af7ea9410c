"""Hand-built Readings and a tick driver for the pure evaluate step: no clock, no /proc."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import proc
from ttalertd.config.defaults import parse_defaults
from ttalertd.config.records import Config
from ttalertd.read.reading import Reading
from ttalertd.rules.evaluate import Verdict, evaluate
from ttalertd.state.memory import AlertMemory

T0 = 1_764_001_000.0  # 2025-11-24 16:16:40 UTC
BOOT = "0d4c5f3e-8a1b-4c2d-9e7f-1a2b3c4d5e6f"
MEM_TOTAL = 4_000_000
BLOCKS = 10_485_760


def config(**defaults) -> Config:
    """A Config from `defaults` keys as credentials.yml writes them (FOR_TICKS=2, ...)."""
    return Config(**parse_defaults(defaults))


def row(pid: int, name: str, cpu: float, user: str = "bob", cmdline: str | None = None
        ) -> proc.ProcessRow:
    return proc.ProcessRow(pid, user, name, cmdline if cmdline is not None else name, cpu)


def session(user: str, line: str, host: str = "", pid: int = 1300) -> proc.Session:
    return proc.Session(user, line, host, pid, datetime(2025, 11, 24, 16, 10, tzinfo=UTC))


@dataclass
class Tick:
    """What one sample holds; every field has a calm default."""

    load: float | tuple[float, float, float] | None = 0.3
    top: list[proc.ProcessRow] = field(default_factory=list)
    sessions: list[proc.Session] | None = field(default_factory=list)
    mem_available: int | None = 2_000_000  # KiB of MEM_TOTAL
    swap_used_percent: float = 10.0
    var_free: float = 40.0  # percent of /var's blocks available
    boot_id: str | None = BOOT
    btime: int | None = 1_764_000_000
    new_pids: frozenset[int] = frozenset()
    other_pids: frozenset[int] = frozenset()  # running but not ranked
    top_n: int = 8
    identities: dict[int, tuple[int, str]] | None = None  # pid -> (start time, name)


def reading(tick: Tick, time: float) -> Reading:
    load = tick.load if not isinstance(tick.load, float | int) else (
        tick.load, tick.load * 0.6, tick.load * 0.3)
    swap_total = 2_000_000
    pids = frozenset(r.pid for r in tick.top) | tick.other_pids
    return Reading(
        time=time,
        uptime=time - (tick.btime or 0),
        load=proc.LoadAvg(*load) if load is not None else None,
        sessions=tuple(tick.sessions) if tick.sessions is not None else None,
        top=tuple(tick.top),
        top_n=tick.top_n,
        pids=pids,
        memory=proc.Meminfo(MEM_TOTAL, tick.mem_available, swap_total,
                            round(swap_total * (1 - tick.swap_used_percent / 100))),
        disks=(proc.DiskUsage("/var", "/dev/vda2", "ext4", 4096, BLOCKS,
                              round(BLOCKS * tick.var_free / 100)),),
        boot_id=tick.boot_id,
        btime=tick.btime,
        new_pids=tick.new_pids,
        identities=tick.identities,
    )


class Run:
    """Evaluate ticks one after another, `step` seconds apart, keeping the memory between them."""

    def __init__(self, cfg: Config, memory: AlertMemory | None = None, *, step: float = 60.0,
                 minute_of_day: int | None = None) -> None:
        self.config = cfg
        self.memory = memory if memory is not None else AlertMemory(sessions=[])
        self.time = T0
        self.step = step
        self.minute_of_day = minute_of_day
        self.verdicts: list[Verdict] = []

    def tick(self, tick: Tick | None = None, *, minute_of_day: int | None = None) -> list[str]:
        """One tick; the lines of its message (empty: nothing sent)."""
        self.time += self.step
        minute = minute_of_day if minute_of_day is not None else (
            self.minute_of_day if self.minute_of_day is not None else 12 * 60)
        verdict = evaluate(reading(tick or Tick(), self.time), self.memory, self.config,
                           minute_of_day=minute, local=time.localtime)
        self.memory = verdict.memory
        self.verdicts.append(verdict)
        return [alert.text for alert in verdict.lines]

    def ticks(self, *ticks: Tick) -> list[list[str]]:
        return [self.tick(t) for t in ticks]
