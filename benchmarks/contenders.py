"""The four ways of doing one tick's process reading that bench_tick.py races against each other."""

from __future__ import annotations

import heapq
import os
import subprocess

import proc


def floor_tick() -> int:
    """The least any Python reader can do: list /proc, read every pid's stat into bytes."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fd = os.open(f"/proc/{name}/stat", os.O_RDONLY)
        except OSError:
            continue
        try:
            os.read(fd, 4096)
            count += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return count


class TtalertdTick:
    """ttalertd's tick: one snapshot, ranked against the previous one, top 8 with users and
    names."""

    def __init__(self) -> None:
        self.fs = proc.ProcFS("/")
        self.previous = self.fs.snapshot()
        self.rows: list[proc.ProcessRow] = []

    def __call__(self) -> int:
        current = self.fs.snapshot()
        self.rows = proc.top_processes(self.previous, current, n=8)
        self.previous = current
        return len(current.stats)


class PsutilTick:
    """The same job with psutil: process_iter with name and username, cpu_percent, top 8."""

    def __init__(self) -> None:
        import psutil  # only the benchmark's oracle, never a runtime dependency

        self.psutil = psutil
        self.rows: list[tuple[float, int, str, str, str]] = []
        self()  # cpu_percent's first call per process is the baseline, as our first snapshot is

    def __call__(self) -> int:
        psutil = self.psutil
        ranked = []
        # process_iter keeps its Process objects between calls, so cpu_percent compares with the
        # last
        for p in psutil.process_iter(["name", "username", "cpu_percent"]):
            info = p.info
            ranked.append((info["cpu_percent"] or 0.0, p.pid, info["name"], info["username"], p))
        best = heapq.nsmallest(8, ranked, key=lambda item: (-item[0], item[1]))
        rows = []
        for cpu, pid, name, user, p in best:
            try:
                cmdline = " ".join(p.cmdline())
            except psutil.Error:
                cmdline = ""
            rows.append((cpu, pid, name, user, cmdline))
        self.rows = rows
        return len(ranked)


def top_tick() -> int:
    """What the original tool parsed: one batch iteration of top."""
    out = subprocess.run(["top", "-b", "-n", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True).stdout  # fmt: skip
    return out.count(b"\n")
