"""The trace: each evaluated tick's reading, one JSON line, so that `ttalertd backtest` can run
the rules over it again (interface.md section 12). Part of the remember step.

A line holds what the rules read, and no more: the busiest processes (cpu above 0, at most 20,
so a backtest may ask for CPU_LIMIT 1 and TOP_N 20), each one's identity written once (`new`)
and then only its pid and cpu, the pids written before that have gone or now belong to another
process (`gone`), load, memory, disks, sessions and the boot id. Keys of a line:

  t, up, bt    sample time (btime + uptime, else the live clock), uptime, btime
  boot         boot id          load   the three figures as /proc/loadavg wrote them, or null
  mem          [MemTotal, MemAvailable, SwapTotal, SwapFree] in KiB, or null
  disks        [[mountpoint, bsize, blocks, bavail], ...]
  users        [[user, line, host], ...] or null
  known        (first line of a file) every process written before: [[pid, start, user, name,
               cmdline], ...], so a file read alone knows them
  gone         pids written before that have exited or now belong to another process
  new          [[pid, start, user, name, cmdline], ...]: processes not written before as they are
  top          [[pid, cpu], ...] highest first; [pid, cpu, 1] for a process born in the window
  stopped      (first line of a run) when the run before stopped cleanly
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ttalertd.read.reading import Reading

log = logging.getLogger(__name__)

ROTATE_BYTES = 10 * 1024 * 1024  # then the file becomes FILE.1 (one generation: 20 MB at most)
MAX_CMDLINE = 512  # alert lines show 200 characters; a backtest's EXCLUDE_PROCESSES sees 512
VERSION = 1


def trace_path(state_path: str) -> str:
    """memory.json -> memory.trace.jsonl (interface.md section 1)."""
    stem = state_path.removesuffix(".json")
    return stem + ".trace.jsonl"


class TraceWriter:
    """Appends one line per evaluated tick. `memory` is the state file's `trace` part: the
    processes written so far, so a `--once` run every minute writes each one once too."""

    def __init__(self, path: str, memory: dict[str, Any]) -> None:
        self.path = os.path.abspath(path)
        self.memory = memory
        known = memory.get("known") if memory.get("path") == self.path else None
        self.known: dict[int, list[Any]] = {}
        if isinstance(known, dict):
            for pid, entry in known.items():
                if str(pid).isdigit() and isinstance(entry, list) and len(entry) == 4:
                    self.known[int(pid)] = entry
        self._failed = False

    def append(self, reading: Reading, stopped: float | None = None) -> None:
        """Write the line of `reading`; a failure is logged, never raised (the tick goes on)."""
        try:
            self._append(reading, stopped)
        except OSError as exc:
            if not self._failed:
                log.warning("trace %s not written: %s (alerting goes on)", self.path, exc)
            self._failed = True
            return
        if self._failed:
            log.info("trace %s written again", self.path)
        self._failed = False

    def _append(self, reading: Reading, stopped: float | None) -> None:
        fresh = not self._same_file()
        line = self._line(reading, stopped, census=fresh)
        data = _encoded(line)
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = 0
        if size and size + len(data) > ROTATE_BYTES:
            os.replace(self.path, self.path + ".1")
            if not fresh:  # the new file starts with every process known so far
                line = self._line(reading, stopped, census=True, again=True)
                data = _encoded(line)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
            info = os.fstat(fd)
        finally:
            os.close(fd)
        self.memory.clear()
        self.memory.update(path=self.path, file=[info.st_dev, info.st_ino],
                           known={str(pid): entry for pid, entry in self.known.items()})

    def _same_file(self) -> bool:
        """The file this writer (or the run before) last wrote is still there, and is this one."""
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        return (self.memory.get("path") == self.path and info.st_size > 0
                and self.memory.get("file") == [info.st_dev, info.st_ino])

    def _line(self, reading: Reading, stopped: float | None, *, census: bool,
              again: bool = False) -> dict[str, Any]:
        line: dict[str, Any] = {"v": VERSION, "t": reading.time, "up": reading.uptime,
                                "bt": reading.btime, "boot": reading.boot_id}
        load = reading.load
        line["load"] = None if load is None else (
            load.text or f"{load.one:.2f} {load.five:.2f} {load.fifteen:.2f}")
        mem = reading.memory
        line["mem"] = None if mem is None else [mem.total_kib, mem.available_kib,
                                                mem.swap_total_kib, mem.swap_free_kib]
        line["disks"] = [[d.mountpoint, d.bsize, d.blocks, d.bavail] for d in reading.disks]
        line["users"] = None if reading.sessions is None else [
            [s.user, s.line, s.host] for s in reading.sessions]
        if stopped is not None:
            line["stopped"] = stopped
        if again:  # the census of a rotation: `known` was already brought up to this tick
            line["known"] = [[pid, *entry] for pid, entry in self.known.items()]
            line["top"] = self._top(reading)
            return line
        if census:
            line["known"] = [[pid, *entry] for pid, entry in self.known.items()]
        line["gone"], line["new"] = self._changes(reading)
        line["top"] = self._top(reading)
        return line

    def _changes(self, reading: Reading) -> tuple[list[int], list[list[Any]]]:
        identities = reading.identities or {}
        listed = {r.pid for r in reading.busiest}
        gone = []
        for pid, (start, _user, name, _cmdline) in list(self.known.items()):
            if pid in listed:
                continue
            now = identities.get(pid)
            if now is None or now[0] != start or now[1] != name:
                gone.append(pid)
                del self.known[pid]
        new = []
        for row in reading.busiest:
            identity = identities.get(row.pid)
            entry = [identity[0] if identity else None, row.user, row.name,
                     row.cmdline[:MAX_CMDLINE]]
            if self.known.get(row.pid) != entry:
                self.known[row.pid] = entry
                new.append([row.pid, *entry])
        return gone, new

    def _top(self, reading: Reading) -> list[list[Any]]:
        young = reading.young_pids()
        return [[r.pid, r.cpu, 1] if r.pid in young else [r.pid, r.cpu] for r in reading.busiest]


def _encoded(line: dict[str, Any]) -> bytes:
    # ASCII JSON: a name's undecodable bytes (surrogates) survive as \udcXX escapes
    return (json.dumps(line, separators=(",", ":")) + "\n").encode("ascii")
