"""A live CPU figure never passes every CPU at work; a recorded one is the formula's, exactly."""

from __future__ import annotations

import proc


def _pair(*, live: bool, cpu_count: int) -> tuple[proc.Snapshot, proc.Snapshot]:
    before = proc.PidStat(4242, "spin", "R", 1, 5, 0, 1, 100)
    after = proc.PidStat(4242, "spin", "R", 1, 8, 0, 1, 100)
    # 3 ticks over a 0.01 s window: 300% by the formula, rounding noise of whole centiseconds
    a = proc.Snapshot(1000.00, None, {4242: before}, None, 0.0, live=live, cpu_count=cpu_count)
    b = proc.Snapshot(1000.01, None, {4242: after}, None, 0.0, live=live, cpu_count=cpu_count)
    return a, b


def test_a_live_figure_is_capped_at_100_times_the_cpu_count():
    a, b = _pair(live=True, cpu_count=2)
    assert [(r.stat.pid, r.cpu) for r in proc.rank(a, b, n=1)] == [(4242, 200.0)]


def test_a_recorded_figure_is_not_capped():
    a, b = _pair(live=False, cpu_count=2)
    assert [(r.stat.pid, r.cpu) for r in proc.rank(a, b, n=1)] == [(4242, 300.0)]


def test_a_snapshot_is_plain_data():
    # records hold no readers (prometheus/procfs): a snapshot compares and copies as values
    a, _ = _pair(live=True, cpu_count=2)
    assert all(isinstance(getattr(a, field), (int, float, str, bool, dict, type(None)))
               for field in proc.Snapshot.__slots__)
    fs = proc.ProcFS("/")
    assert not any(isinstance(getattr(snap, field), proc.ProcFS)
                   for snap in (fs.snapshot(),) for field in proc.Snapshot.__slots__)
