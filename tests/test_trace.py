"""The trace writer (ttalertd/state/trace.py) and its reader (ttalertd/backtest/reader.py)."""

from __future__ import annotations

import json
import os

from cli_support import cli_env
from replay_support import run_ttalertd, scenario

from ttalertd.backtest.reader import TraceReadings, trace_lines
from ttalertd.read.source import Source, read
from ttalertd.state import trace
from ttalertd.state.trace import TraceWriter, trace_path


def readings(name: str, top_n: int = 8):
    source = Source(replay=scenario(name))
    prev = source.snapshot()
    out = []
    for _ in range(len(os.listdir(scenario(name))) - 3):  # samples, README and config.yml
        cur = source.snapshot()
        out.append(read(prev, cur, source.fs, top_n, traced=True))
        prev = cur
    return out


def replayed(path: str, top_n: int = 8):
    table = TraceReadings(top_n)
    out = []
    for tick in trace_lines(path):
        table.learn(tick.line)
        reading = table.reading(tick.line)
        out.append([(r.pid, r.name, r.cpu, r.pid in reading.new_pids) for r in reading.top])
    return out


def test_the_trace_sits_next_to_the_state_file():
    assert trace_path("/var/lib/ttalertd/memory.json") == "/var/lib/ttalertd/memory.trace.jsonl"
    assert trace_path("state") == "state.trace.jsonl"


def test_a_trace_read_back_ranks_the_processes_as_the_run_did(tmp_path):
    path = str(tmp_path / "t.jsonl")
    writer = TraceWriter(path, {})
    wanted = []
    for reading in readings("long-day"):
        writer.append(reading)
        wanted.append([(r.pid, r.name, r.cpu, r.pid in reading.new_pids) for r in reading.top
                       if r.cpu])
    assert replayed(path) == wanted


def test_a_writer_that_starts_again_on_its_memory_writes_no_process_twice(tmp_path):
    path, memory = str(tmp_path / "t.jsonl"), {}
    ticks = readings("long-day")
    for reading in ticks[:3]:
        TraceWriter(path, memory).append(reading)  # a --once run each tick
    with open(path) as f:
        lines = [json.loads(line) for line in f]
    assert "known" in lines[0] and all("known" not in line for line in lines[1:])
    declared = [entry[0] for line in lines for entry in line["new"]]
    assert 5100 in declared and declared.count(5100) == 1


def test_at_10_mb_the_trace_is_rotated_once_and_the_new_file_stands_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(trace, "ROTATE_BYTES", 4000)
    path = str(tmp_path / "t.jsonl")
    writer = TraceWriter(path, {})
    ticks = readings("long-day")
    for reading in ticks:
        writer.append(reading)
    assert os.path.getsize(path) <= 4000 and os.path.getsize(path + ".1") <= 4000
    assert not os.path.exists(path + ".2")
    with open(path) as f:
        first = json.loads(f.readline())
    assert "known" in first
    # the current file alone gives the rows of its ticks
    tail = replayed(path)
    assert tail == [[(r.pid, r.name, r.cpu, r.pid in t.new_pids) for r in t.top if r.cpu]
                    for t in ticks[-len(tail):]]


def test_a_trace_that_cannot_be_written_costs_the_tick_nothing(tmp_path, caplog):
    blocked = tmp_path / "dir.jsonl"
    blocked.mkdir()
    writer = TraceWriter(str(blocked), {})
    for reading in readings("cpu-incident")[:2]:
        writer.append(reading)
    assert sum("not written" in r.message for r in caplog.records) == 1


def test_the_run_commands_write_the_trace_where_they_are_told(tmp_path):
    day = scenario("cpu-incident")
    run_ttalertd("--once", "--dry-run", "--replay", day, "--state", "m.json", cwd=str(tmp_path))
    assert os.path.exists(tmp_path / "m.trace.jsonl")
    run_ttalertd("--once", "--dry-run", "--replay", day, "--state", "n.json", cwd=str(tmp_path),
                 env=cli_env(TTALERTD_TRACE=str(tmp_path / "env.jsonl")))
    assert os.path.exists(tmp_path / "env.jsonl") and not os.path.exists(tmp_path / "n.trace.jsonl")
    run_ttalertd("--once", "--dry-run", "--replay", day, "--state", "o.json", "--trace", "",
                 cwd=str(tmp_path), env=cli_env(TTALERTD_TRACE=str(tmp_path / "x.jsonl")))
    assert not os.path.exists(tmp_path / "x.jsonl")
    assert not os.path.exists(tmp_path / "o.trace.jsonl")
    with open(tmp_path / "m.trace.jsonl") as f:
        assert len(f.readlines()) == 1  # --once: one evaluated tick, the baseline writes none
