"""Churn: 500 live ticks while a helper process forks and kills short-lived processes nonstop."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile

import pytest

import proc
from ttalertd.config.records import Config
from ttalertd.read.source import Source
from ttalertd.runner import Runner

TICKS = 500

# forks children that spin 0-4 ms (some with a second thread) and exit, and kills some of them;
# at most 4 at a time, so the ticks being tested still get a CPU
SPAWNER = r"""
import os, random, signal, sys, threading, time
def spin():
    end = time.monotonic() + random.random() * 0.004
    while time.monotonic() < end:
        pass
children = set()
print("ready", flush=True)
while True:
    pid = os.fork()
    if pid == 0:
        if random.random() < 0.3:
            threading.Thread(target=spin).start()
        spin()
        os._exit(0)
    children.add(pid)
    if random.random() < 0.3:
        victim = random.choice(sorted(children))
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while children:
        done, _ = os.waitpid(-1, os.WNOHANG)
        if done == 0:
            break
        children.discard(done)
    time.sleep(0.004 if len(children) >= 4 else 0.001)
"""


class RecordingSource(Source):
    """The live system, keeping the last two snapshots the runner took, and every process seen."""

    def __init__(self) -> None:
        super().__init__()
        self.last: list[proc.Snapshot] = []
        self.seen: dict[tuple[int, int], int] = {}  # (pid, starttime) -> ppid

    def snapshot(self) -> proc.Snapshot:
        snap = super().snapshot()
        self.last = [*self.last[-1:], snap]
        self.seen.update(((pid, st.starttime), st.ppid) for pid, st in snap.stats.items())
        return snap


@pytest.fixture
def spawner():
    child = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        yield child
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def state_dir(tmp_path):
    """tmpfs where there is one: 1000 fsyncs of the state file are not what this test is about."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
            yield shm
    else:
        yield str(tmp_path)


def test_500_live_ticks_under_process_churn(spawner, state_dir):
    source = RecordingSource()
    out = io.StringIO()
    state = os.path.join(state_dir, "memory.json")
    runner = Runner(Config(), source, state, dry_run=True, stdout=out)
    runner.start()
    ceiling = 100.0 * (os.cpu_count() or 1)
    figures, impossible = 0, []
    for _ in range(TICKS):
        runner.tick()  # an exception here fails the test
        assert spawner.poll() is None, "the spawner died: no churn"
        before, after = source.last
        # every process's figure, as top_processes ranks them for the top 8 the rules see
        for ranked in proc.rank(before, after, n=len(after.stats)):
            if ranked.cpu is None:
                continue
            figures += 1
            if not 0.0 <= ranked.cpu <= ceiling:
                stat = ranked.stat
                earlier = before.stats.get(stat.pid)
                impossible.append(f"{ranked.cpu:.1f}% pid {stat.pid} {stat.comm} threads "
                                  f"{stat.num_threads}: ticks {_ticks(earlier)} -> "
                                  f"{_ticks(stat)}, uptime {before.uptime} -> {after.uptime}")
    assert figures > TICKS  # the check below did look at figures
    spawned = sum(1 for ppid in source.seen.values() if ppid == spawner.pid)
    assert spawned >= 100  # the ticks saw processes come and go
    # a few ticks over a one-centisecond uptime window (3 ticks in 0.01 s: 300% for one thread)
    # would pass every CPU: the ranking caps live figures at 100 x the CPU count
    assert impossible == [], f"{len(impossible)} figures above {ceiling:g}%: {impossible[:5]}"


def _ticks(stat: proc.PidStat | None) -> int | None:
    return None if stat is None else stat.utime + stat.stime
