"""Readings for a backtest: the lines of a trace (ttalertd/state/trace.py writes them), or the
samples of a recorded scenario read as a run would read them."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import proc
from ttalertd.read.reading import Reading

log = logging.getLogger(__name__)


class TraceMissing(Exception):
    """The trace file does not exist or cannot be read."""


@dataclass(slots=True)
class Tick:
    """One line of a trace: its sample time, what the rules would read from it, and whether the
    run before it stopped cleanly (the first line of a run)."""

    time: float
    line: dict[str, Any]


def trace_files(path: str) -> list[str]:
    """FILE.1 (the rotated generation, older) then FILE; TraceMissing when FILE is not there."""
    if not os.path.isfile(path):
        raise TraceMissing(f"trace {path}: no such file")
    older = path + ".1"
    return [older, path] if os.path.isfile(older) else [path]


def trace_lines(path: str) -> list[Tick]:
    """Every readable line of the trace, oldest first; a damaged line is skipped with a warning."""
    ticks: list[Tick] = []
    for name in trace_files(path):
        try:
            with open(name, "rb") as f:
                for number, raw in enumerate(f, start=1):
                    try:
                        line = json.loads(raw)
                        ticks.append(Tick(float(line["t"]), line))
                    except (ValueError, KeyError, TypeError) as exc:
                        log.warning("%s line %d skipped: %s", name, number, exc)
        except OSError as exc:
            raise TraceMissing(f"trace {name}: {exc.strerror}") from None
    return ticks


class TraceReadings:
    """Turns trace lines into Readings, keeping the processes the lines declared (`known`,
    `new`, `gone`) as the writer kept them."""

    def __init__(self, top_n: int) -> None:
        self.top_n = top_n
        self.known: dict[int, tuple[int | None, str | None, str, str]] = {}
        self.identities: dict[int, tuple[int, str]] = {}

    def learn(self, line: dict[str, Any]) -> None:
        """Bring the process table up to `line` (also for lines before a --last window)."""
        if "known" in line:
            self.known.clear()
            self.identities.clear()
            self._declare(line["known"])
        for pid in line.get("gone") or ():
            self.known.pop(pid, None)
            self.identities.pop(pid, None)
        self._declare(line.get("new") or [])

    def _declare(self, entries: list[list[Any]]) -> None:
        for entry in entries:
            try:
                pid, start, user, name, cmdline = entry
                self.known[int(pid)] = (start, user, str(name), str(cmdline))
                if start is not None:
                    self.identities[int(pid)] = (int(start), str(name))
            except (ValueError, TypeError):
                log.warning("trace: unreadable process entry skipped: %.80r", entry)

    def reading(self, line: dict[str, Any]) -> Reading:
        """The Reading of `line` (after learn(line))."""
        rows, young = [], set()
        for entry in line.get("top") or ():
            pid = entry[0]
            process = self.known.get(pid)
            if process is None:
                continue  # a row of a process never declared: a damaged trace
            _start, user, name, cmdline = process
            rows.append(proc.ProcessRow(pid, user, name, cmdline, entry[1]))
            if len(entry) > 2 and entry[2]:
                young.add(pid)
            if len(rows) >= self.top_n:
                break
        now = float(line["t"])
        identities = MappingProxyType(self.identities)
        return Reading(
            time=now, uptime=line.get("up"), load=_load(line.get("load")),
            sessions=_sessions(line.get("users"), now), top=tuple(rows), top_n=self.top_n,
            pids=frozenset(identities), memory=_memory(line.get("mem")),
            disks=tuple(proc.DiskUsage(m, "", "", int(bs), int(b), int(a))
                        for m, bs, b, a in line.get("disks") or ()),
            boot_id=line.get("boot"), btime=line.get("bt"), new_pids=frozenset(young),
            young=frozenset(young),
            identities=identities)


def _load(text: str | None) -> proc.LoadAvg | None:
    if text is None:
        return None
    try:
        return proc.parse_loadavg(text.encode("ascii", "replace"))
    except proc.ParseError:
        return None


def _memory(values: list[int | None] | None) -> proc.Meminfo | None:
    if values is None:
        return None
    total, available, swap_total, swap_free = values
    return proc.Meminfo(int(total or 0), available, int(swap_total or 0), int(swap_free or 0))


def _sessions(users: list[list[str]] | None, now: float) -> tuple[proc.Session, ...] | None:
    if users is None:
        return None
    since = datetime.fromtimestamp(now, UTC)  # the rules compare who, where and from where only
    return tuple(proc.Session(str(u), str(line), str(h), 0, since) for u, line, h in users)


def scenario_readings(scenario: str, top_n: int
                      ) -> tuple[tuple[list[tuple[str, str, str]] | None, str | None],
                                 list[Reading]]:
    """The baseline (its sessions and boot id, known as a run with no state file takes them) and
    the Readings a replaying run makes of a recorded scenario's later samples."""
    from ttalertd.read.source import Exhausted, Source, read

    source = Source(replay=scenario)
    try:
        prev = source.snapshot()
    except Exhausted:
        return (None, None), []
    try:
        sessions: list[tuple[str, str, str]] | None = [
            (s.user, s.line, s.host) for s in source.fs.sessions()]
    except (proc.ParseError, OSError):
        sessions = None
    try:
        boot_id = source.fs.boot_id()
    except OSError:
        boot_id = None
    baseline = (sessions, boot_id)
    readings: list[Reading] = []
    while True:
        try:
            cur = source.snapshot()
        except Exhausted:
            return baseline, readings
        readings.append(read(prev, cur, source.fs, top_n))
        prev = cur
