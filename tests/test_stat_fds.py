"""proc.stat_fds.StatReader on the live /proc: kept descriptors give what a fresh read gives."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from proc.pid_stat import parse_pid_stat
from proc.stat_fds import StatReader


@pytest.fixture
def sleepers():
    children = [subprocess.Popen(["/bin/sleep", "60"]) for _ in range(3)]
    # a child still starting up changes its stat between two reads: wait until each sleeps
    deadline = time.monotonic() + 10
    while any(_fresh(c.pid).state != "S" or _fresh(c.pid).comm != "sleep" for c in children):
        assert time.monotonic() < deadline, "the sleep children never went to sleep"
        time.sleep(0.01)
    yield children
    for child in children:
        child.kill()
        child.wait()


def _by_pid(pairs):
    return {int(name): parse_pid_stat(data) for name, data in pairs}


def _fresh(pid: int):
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return parse_pid_stat(stat.read())


def test_second_read_through_kept_fds_matches_fresh_reads(sleepers):
    reader = StatReader()
    reader.read_all()
    stats = _by_pid(reader.read_all())
    for child in sleepers:
        assert stats[child.pid] == _fresh(child.pid)
    assert str(sleepers[0].pid) in reader._fds  # kept for the next tick


def test_exited_process_is_dropped_and_its_fd_closed(sleepers):
    reader = StatReader()
    reader.read_all()
    gone = sleepers[0]
    gone.kill()
    gone.wait()
    stats = _by_pid(reader.read_all())
    assert gone.pid not in stats
    assert sleepers[1].pid in stats
    assert str(gone.pid) not in reader._fds  # and closed: the reader holds only what it maps


def test_reused_pid_is_read_anew_not_skipped(sleepers):
    # a kept fd whose process exited while its pid now names another process: ESRCH, then reopen
    reader = StatReader()
    reader.read_all()
    old, new = sleepers[0], sleepers[1]
    reader._fds[str(new.pid)], reader._fds[str(old.pid)] = (
        reader._fds[str(old.pid)],
        os.open(f"/proc/{new.pid}/stat", os.O_RDONLY | os.O_CLOEXEC),
    )
    old.kill()
    old.wait()
    stats = _by_pid(reader.read_all())
    assert stats[new.pid] == _fresh(new.pid)
    assert old.pid not in stats


def test_without_room_for_kept_fds_every_process_is_still_read(sleepers):
    reader = StatReader()
    reader._room = 0  # as after EMFILE: read by open+read+close only
    stats = _by_pid(reader.read_all())
    assert {child.pid for child in sleepers} <= set(stats)
    assert reader._fds == {}
