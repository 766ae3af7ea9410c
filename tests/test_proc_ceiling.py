"""A live CPU figure never passes every CPU at work; a recorded one is the formula's, exactly."""

from __future__ import annotations

import os

import proc


def _pair(fs: proc.ProcFS, cpu_count: int) -> tuple[proc.Snapshot, proc.Snapshot]:
    pid = os.getpid()  # a real process, so the live name and cmdline lookups succeed
    before = proc.PidStat(pid, "spin", "R", 1, 5, 0, 1, 100)
    after = proc.PidStat(pid, "spin", "R", 1, 8, 0, 1, 100)
    # 3 ticks over a 0.01 s window: 300% by the formula, rounding noise of whole centiseconds
    a = proc.Snapshot(1000.00, None, {pid: before}, None, 0.0, fs, cpu_count)
    b = proc.Snapshot(1000.01, None, {pid: after}, None, 0.0, fs, cpu_count)
    return a, b


def test_a_live_figure_is_capped_at_100_times_the_cpu_count():
    a, b = _pair(proc.ProcFS("/"), cpu_count=2)
    assert [r.cpu for r in proc.top_processes(a, b, n=1)] == [200.0]


def test_a_recorded_figure_is_not_capped(tmp_path):
    a, b = _pair(proc.ProcFS(str(tmp_path)), cpu_count=2)
    assert [r.cpu for r in proc.top_processes(a, b, n=1)] == [300.0]
