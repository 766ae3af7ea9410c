"""Cost of one tick: ttalertd against the raw read floor, psutil and top, with N idle processes.

Run: python benchmarks/bench_tick.py [--procs N] [--scale M] [--rounds R] [--seconds S]
Spawns idle `sleep` children (always reaped, also on Ctrl-C), times the contenders round by round
(interleaved, so a noisy neighbour hurts them alike); with the N children alive, runs the daemon as
a user runs it (Twilio configured against a loopback stand-in, messages sent), then monit and
netdata where installed; grows to M processes for the per-process cost; and times start-up.
Prints every figure and PASS/FAIL per target (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # run as a script or imported

import bench_daemon
import bench_report
import bench_start
from bench_children import idle_children
from contenders import PsutilTick, TtalertdTick, floor_tick, top_tick

Contender = Callable[[], int]


def time_rounds(contenders: dict[str, Contender], rounds: int) -> dict[str, dict[str, float]]:
    """Median wall ms (and CPU ms, children included) of each contender, interleaved by round."""
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    seen: dict[str, int] = {}
    names = list(contenders)
    for index in range(rounds):
        shift = index % len(names)  # rotate the order so no contender always runs first
        for name in names[shift:] + names[:shift]:
            before_cpu = _cpu_seconds()
            start = time.perf_counter()
            seen[name] = contenders[name]()
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((_cpu_seconds() - before_cpu) * 1000)
    return {name: {"wall_ms": statistics.median(wall[name]), "cpu_ms": statistics.median(cpu[name]),
                   "procs": seen[name]} for name in names}  # fmt: skip


def _cpu_seconds() -> float:
    """User+system CPU of this process and its reaped children (top runs as a child)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_ticks(procs: int, scale: int, rounds: int, scale_rounds: int,
                during: Callable[[], None] | None = None) -> dict[str, object]:
    """All four contenders at `procs` children; floor and ttalertd again at `scale` (0: skip).

    `during` runs while the `procs` children are alive (the daemon, monit and netdata runs)."""
    result: dict[str, object] = {}
    with idle_children(procs) as children:
        contenders = {"floor": floor_tick, "ttalertd": TtalertdTick(), "psutil": PsutilTick(),
                      "top": top_tick}  # fmt: skip
        time_rounds(contenders, 1)  # warm-up: caches, dentries, first cpu_percent
        result["base"] = time_rounds(contenders, rounds)
        if during is not None:
            during()
        if scale:
            children.grow_to(scale)
            few = {"floor": floor_tick, "ttalertd": TtalertdTick()}
            time_rounds(few, 1)
            result["scaled"] = time_rounds(few, scale_rounds)
    return result


def machine() -> str:
    model = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
            f"Python {platform.python_version()}")  # fmt: skip


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(ticks: dict, extra: Callable[[list[str], list], None] | None = None,
           ) -> tuple[list[str], bool]:
    """The printed table and whether every target held; `extra` adds lines and results."""
    base = ticks["base"]
    ours = base["ttalertd"]["wall_ms"]
    lines = [
        f"machine: {machine()}",
        "",
        f"one tick, {base['ttalertd']['procs']} processes (median wall ms / CPU ms):",
    ]
    for name, row in base.items():
        lines.append(f"  {name:<9} {row['wall_ms']:8.1f} ms  cpu {row['cpu_ms']:7.1f} ms  "
                     f"ttalertd/{name} = {ours / row['wall_ms']:.3f}")  # fmt: skip
    # ratios of median wall time, as the issue asks: top's includes its 150 ms first-frame delay
    # (its CPU column shows what it burns)
    targets = [("ttalertd/floor <= 1.5", ours / base["floor"]["wall_ms"], 1.5),
               ("ttalertd/psutil <= 0.25", ours / base["psutil"]["wall_ms"], 0.25),
               ("ttalertd/top <= 0.1", ours / base["top"]["wall_ms"], 0.1)]  # fmt: skip
    results = [(label, f"{value:.3f}", value <= limit) for label, value, limit in targets]
    # per-process cost is CPU time: the tick's cost to the host, and immune to busy neighbours
    per_base = base["ttalertd"]["cpu_ms"] / base["ttalertd"]["procs"] * 1000
    per_floor = base["floor"]["cpu_ms"] / base["floor"]["procs"] * 1000
    lines += [
        "",
        f"per process at {base['ttalertd']['procs']}: {per_base:.2f} us CPU "
        + f"(floor {per_floor:.2f} us; tick wall {ours:.1f} ms)",
    ]
    if "scaled" in ticks:
        scaled = ticks["scaled"]
        per_scaled = scaled["ttalertd"]["cpu_ms"] / scaled["ttalertd"]["procs"] * 1000
        floor_scaled = scaled["floor"]["cpu_ms"] / scaled["floor"]["procs"] * 1000
        lines.append(
            f"per process at {scaled['ttalertd']['procs']}: {per_scaled:.2f} us CPU "
            f"(floor {floor_scaled:.2f} us; tick wall {scaled['ttalertd']['wall_ms']:.1f} ms)"
        )
        results.append(
            (
                "per-process CPU cost at scale / at base <= 1.2",
                f"{per_scaled / per_base:.3f}",
                per_scaled / per_base <= 1.2,
            )
        )
    if extra is not None:
        extra(lines, results)
    lines += ["", "targets:"]
    lines += [f"  {verdict(ok)}  {label}: {value}" for label, value, ok in results]
    return lines, all(ok for _, _, ok in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=2000, help="idle children (default 2000)")
    parser.add_argument("--scale", type=int, default=10000,
                        help="grow to this many children for the per-process cost (0: skip)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--scale-rounds", type=int, default=7)
    parser.add_argument("--start-runs", type=int, default=11, help="start-up runs (0: skip)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="length of each daemon, monit and netdata run (0: skip them)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures: dict[str, object] = {"load_before": bench_report.loadavg()}
    if args.start_runs:
        figures["start"] = bench_start.startup_overhead(args.start_runs)
        with tempfile.TemporaryDirectory() as scratch:
            config = bench_daemon.write_config(os.path.join(scratch, "credentials.yml"),
                                               "http://127.0.0.1:9", bench_daemon.STEADY)
            figures["start_twilio"] = bench_start.startup_overhead(args.start_runs,
                                                                   config=config)
    try:
        ticks = bench_ticks(args.procs, args.scale, args.rounds, args.scale_rounds,
                            during=lambda: bench_report.users_run(figures, args.seconds))
    except KeyboardInterrupt:
        print("interrupted: every child reaped", file=sys.stderr)
        return 130
    figures["load_after"] = bench_report.loadavg()
    lines, passed = report(ticks, lambda lines, results: bench_report.extend(figures, lines,
                                                                             results))
    print("\n".join(lines))
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
