"""The benchmark's pieces on a tiny scale, so benchmarks/ cannot rot. Nothing here is timed."""

from __future__ import annotations

import os
import sys

import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH_DIR)

import bench_start
import bench_tick
from bench_children import idle_children


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().split(b") ", 1)[1][:1] != b"Z"
    except FileNotFoundError:
        return False


def test_children_are_reaped_even_when_the_block_raises():
    with pytest.raises(KeyboardInterrupt), idle_children(5) as children:
        pids = [child.pid for child in children.children]
        assert all(_alive(pid) for pid in pids)
        raise KeyboardInterrupt
    assert not any(_alive(pid) for pid in pids)
    assert children.children == []


def test_bench_ticks_and_report_with_20_procs():
    ticks = bench_tick.bench_ticks(procs=20, scale=30, rounds=1, scale_rounds=1)
    base = ticks["base"]
    assert set(base) == {"floor", "ttalertd", "psutil", "top"}
    assert base["ttalertd"]["procs"] >= 20 and ticks["scaled"]["ttalertd"]["procs"] >= 30
    assert all(row["wall_ms"] > 0 for row in base.values())
    start = {"python_ms": 20.0, "snapshot_ms": 70.0, "overhead_ms": 50.0}
    memory = {"peak_kb": 1, "final_kb": 1, "ticks": 100, "twilio_imported": False, "exit": 0}
    lines, _ = bench_tick.report(ticks, start, memory)
    text = "\n".join(lines)
    for label in ("ttalertd/floor", "ttalertd/psutil", "ttalertd/top", "per process at",
                  "peak RSS", "python -c pass"):  # fmt: skip
        assert label in text
    assert text.count("PASS") + text.count("FAIL") == 6


def test_daemon_memory_and_startup_run_on_a_small_scenario(tmp_path):
    scenario = bench_start.record_scenario(str(tmp_path / "scenario"), samples=3, interval=0.0)
    memory = bench_start.daemon_memory(scenario)
    assert memory["ticks"] == 2 and memory["peak_kb"] >= memory["final_kb"] > 0
    assert memory["twilio_imported"] is False
    start = bench_start.startup_overhead(runs=1)
    assert start["snapshot_ms"] > 0 and start["python_ms"] > 0
