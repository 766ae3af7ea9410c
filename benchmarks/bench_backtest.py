"""The trace and the backtest (interface.md section 12): bytes per trace line at 2,000
processes, and seconds for `ttalertd backtest` over a week of one-minute ticks.

Run: python benchmarks/bench_backtest.py [--procs N] [--ticks T] [--week W]
1. Spawns N idle children (always reaped) next to whatever runs on this machine, and writes T
   live ticks 0.5 s apart through the real read step and trace writer: the average line size
   (target: 2 KB at most at 2,000 processes).
2. Writes a week of one-minute lines (W = 10,080) from synthetic readings of 2,000 processes
   (20 busy ones, 5 of them new every minute, a load that crosses its limit now and then) and
   times `python -m ttalertd backtest` over it, end to end (target: under 5 s on 2 cores).
Prints every figure and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

from bench_children import idle_children

import proc
from ttalertd.read.reading import Reading
from ttalertd.read.source import Source, read
from ttalertd.state.trace import TraceWriter

LINE_TARGET = 2048
WEEK_TARGET_S = 5.0


def live_line_bytes(procs: int, ticks: int, window: float = 0.5) -> dict[str, float]:
    """Average bytes of a trace line written from live readings with `procs` more processes."""
    with tempfile.TemporaryDirectory() as tmp, idle_children(procs):
        path = os.path.join(tmp, "t.jsonl")
        writer = TraceWriter(path, {})
        source = Source()
        prev = source.snapshot()
        seen = 0
        for _ in range(ticks):
            time.sleep(window)
            cur = source.snapshot()
            reading = read(prev, cur, source.fs, 8, traced=True)
            writer.append(reading)
            seen = len(cur.stats)
            prev = cur
        size = os.path.getsize(path)
    return {"processes": seen, "lines": ticks, "bytes_per_line": size / ticks}


def synthetic_week(path: str, lines: int, procs: int = 2000, seed: int = 17) -> float:
    """Write `lines` one-minute trace lines of a synthetic host; returns bytes per line."""
    rng = random.Random(seed)
    identities = {pid: (1000 + pid, f"svc{pid % 50}") for pid in range(100, 100 + procs)}
    steady = [proc.ProcessRow(pid, "app", f"svc{pid % 50}", f"/usr/bin/svc{pid % 50} --worker "
                              f"{pid}", 0.0) for pid in range(100, 115)]
    writer = TraceWriter(path, {})
    next_pid = 100 + procs
    t0 = 1_764_000_000.0
    disks = (proc.DiskUsage("/", "/dev/vda1", "ext4", 4096, 10_000_000, 5_000_000),
             proc.DiskUsage("/var", "/dev/vda2", "ext4", 4096, 10_485_760, 4_194_304))
    session = proc.Session("alice", "pts/0", "10.0.0.5", 1300, _utc(t0))
    for minute in range(lines):
        young = []
        for _ in range(5):  # cron jobs, builds: new processes every minute, gone the next
            identities[next_pid] = (50_000 + minute, "cc1")
            young.append(proc.ProcessRow(next_pid, "bob", "cc1", f"cc1 -O2 src/file{next_pid}.c",
                                         round(rng.uniform(20, 95), 1)))
            next_pid += 1
        # a database at 35-45 % all week, a batch job at 60 % for 20 minutes every 3 hours,
        # the other services at 0.1-3 %
        figures = [round(rng.uniform(35, 45), 1), 60.0 if minute % 180 < 20 else 1.0]
        figures += [round(rng.uniform(0.1, 3), 1) for _ in steady[2:]]
        rows = sorted([*young, *(proc.ProcessRow(r.pid, r.user, r.name, r.cmdline, cpu)
                                 for r, cpu in zip(steady, figures, strict=True))],
                      key=lambda r: (-(r.cpu or 0), r.pid))
        # a load over 1.2 for an hour twice a day, wobbling
        one = 0.5 + 1.2 * (minute % 720 < 60) + rng.uniform(0, 0.3)
        reading = Reading(
            time=t0 + 60 * minute, uptime=1000.0 + 60 * minute,
            load=proc.LoadAvg(round(one, 2), 1.0, 0.9, f"{one:.2f} 1.00 0.90"),
            sessions=(session,) if minute % 600 < 300 else (), top=tuple(rows[:8]), top_n=8,
            pids=frozenset(), memory=proc.Meminfo(4_000_000, 2_000_000 - minute % 1000 * 1500,
                                                  2_000_000, 1_800_000),
            disks=disks, boot_id="b1", btime=1_763_999_000,
            new_pids=frozenset(r.pid for r in young), identities=identities, busiest=tuple(rows))
        writer.append(reading)
        for row in young:  # exited before the next minute
            del identities[row.pid]
    return os.path.getsize(path) / lines


def _utc(seconds: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


def time_backtest(path: str, rounds: int = 3) -> float:
    """Median wall seconds of `python -m ttalertd backtest --trace PATH` (python start included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TTALERTD_", "TWILIO_"))}
    env.update(PYTHONPATH=REPO, TTALERTD_SYSTEM_CONFIG="", TZ="UTC")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "ttalertd", "backtest", "--trace", path],
                              env=env, cwd=os.path.dirname(path), capture_output=True, text=True,
                              check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
    times.sort()
    return times[len(times) // 2]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=2000)
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--week", type=int, default=10_080)
    args = parser.parse_args()
    live = live_line_bytes(args.procs, args.ticks)
    print(f"live trace: {live['processes']:.0f} processes, {live['lines']:.0f} lines, "
          f"{live['bytes_per_line']:.0f} bytes a line; target {LINE_TARGET}: ratio "
          f"{live['bytes_per_line'] / LINE_TARGET:.2f} "
          f"{verdict(live['bytes_per_line'] <= LINE_TARGET)}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "week.trace.jsonl")
        per_line = synthetic_week(path, args.week)
        seconds = time_backtest(path)
        print(f"synthetic week: {args.week} lines, {per_line:.0f} bytes a line "
              f"({os.path.getsize(path) / 1e6:.1f} MB); target {LINE_TARGET}: ratio "
              f"{per_line / LINE_TARGET:.2f} {verdict(per_line <= LINE_TARGET)}")
        print(f"backtest of the week: {seconds:.2f} s end to end; target {WEEK_TARGET_S:g} s: "
              f"ratio {seconds / WEEK_TARGET_S:.2f} {verdict(seconds < WEEK_TARGET_S)}")


if __name__ == "__main__":
    main()
