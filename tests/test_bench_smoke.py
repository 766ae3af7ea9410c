"""The benchmark's pieces on a tiny scale, so benchmarks/ cannot rot. Nothing here is timed."""

from __future__ import annotations

import os

import bench_daemon  # benchmarks/ is on pytest's pythonpath
import bench_monit
import bench_report
import bench_start
import bench_tick
import pytest
import tree_memory
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


def test_tree_memory_counts_a_child_and_shared_pages_once():
    with idle_children(2) as children:
        tree = tree_memory.tree_memory(os.getpid())
        assert tree["processes"] >= 3
        assert {c.pid for c in children.children} <= set(tree_memory.tree_pids(os.getpid()))
    assert tree["rss_sum_kb"] > 0
    if os.geteuid() == 0:  # frame numbers are root's only
        assert 0 < tree["distinct_kb"] <= tree["rss_sum_kb"]


FIGURES = {
    "load_before": "1.00 1.00 1.00", "load_after": "1.00 1.00 1.00",
    "sending": {"sent": 3, "samples": 10, "daemon_hwm_kb": 20000, "daemon_final_kb": 19000,
                "twilio_in_daemon": False, "token_shown": False,
                "peak": {"rss_sum_kb": 40000, "distinct_kb": 35000, "processes": 2,
                         "child_hwm_kb": 20000},
                "between": {"rss_sum_kb": 19000, "distinct_kb": 19000, "processes": 1}},
    "steady": {"cpu_ms_per_tick": 10.0, "ticks": 5, "cpu_percent": 1.0, "daemon_hwm_kb": 19000,
               "sent": 0},
    "child": {"cpu_ms": 200.0, "wall_ms": 300.0, "max_rss_kb": 25000},
    "monit": {"cpu_ms_per_s": 100.0, "cpu_percent": 10.0, "rss_sum_kb": 9000,
              "distinct_kb": 9000, "version": "This is Monit version 5.33.0", "cycle_s": 1.0},
    "netdata": None,
    "start": {"python_ms": 20.0, "snapshot_ms": 70.0, "overhead_ms": 50.0, "python_cpu_ms": 20.0,
              "snapshot_cpu_ms": 60.0, "overhead_cpu_ms": 40.0},
}  # fmt: skip
FIGURES["start_twilio"] = FIGURES["start"]


def test_bench_ticks_and_the_whole_report_with_20_procs():
    ticks = bench_tick.bench_ticks(procs=20, scale=30, rounds=1, scale_rounds=1)
    base = ticks["base"]
    assert set(base) == {"floor", "ttalertd", "psutil", "top"}
    assert base["ttalertd"]["procs"] >= 20 and ticks["scaled"]["ttalertd"]["procs"] >= 30
    assert all(row["wall_ms"] > 0 for row in base.values())
    lines, _ = bench_tick.report(
        ticks, lambda lines, results: bench_report.extend(FIGURES, lines, results))
    text = "\n".join(lines)
    for label in ("ttalertd/floor", "ttalertd/psutil", "ttalertd/top", "per process at",
                  "tree peak RSS", "x monit", "python -c pass", "netdata", "not installed"):
        assert label in text
    assert text.count("PASS") + text.count("FAIL") == 7


def test_the_daemon_sends_through_twilio_children_and_the_tree_is_sampled():
    sending = bench_daemon.sending_run(seconds=1.5)
    assert sending["sent"] >= 1 and sending["twilio_in_daemon"] is False
    assert sending["peak"]["rss_sum_kb"] >= sending["between"]["rss_sum_kb"] > 0
    assert sending["token_shown"] is False
    assert bench_daemon.cpu_seconds(os.getpid()) > 0  # what steady_run reads per tick


def test_a_twilio_child_is_measured_and_startup_runs():
    child = bench_daemon.twilio_child_cost(runs=1)
    assert child["max_rss_kb"] > 0 and child["cpu_ms"] > 0
    start = bench_start.startup_overhead(runs=1)
    assert start["snapshot_ms"] > 0 and start["python_cpu_ms"] > 0


@pytest.mark.skipif(bench_monit.shutil.which("monit") is None, reason="monit not installed")
def test_monit_runs_with_the_benchmark_config():
    found = bench_monit.monit(seconds=0.5, warmup=0.5)
    assert found is not None and found["cpu_ms_per_s"] >= 0 and found["rss_sum_kb"] > 0
    assert "5." in found["version"]


def test_the_backtest_benchmark_writes_a_week_and_times_the_backtest(tmp_path):
    import bench_backtest

    path = str(tmp_path / "week.trace.jsonl")
    assert 0 < bench_backtest.synthetic_week(path, 30) < bench_backtest.LINE_TARGET
    assert bench_backtest.time_backtest(path, rounds=1) > 0
