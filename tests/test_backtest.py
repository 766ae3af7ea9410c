"""`ttalertd backtest` over the trace of a live run and over a recorded scenario (section 12)."""

from __future__ import annotations

import json
import os
import re

import pytest
from cli_support import cli_env
from replay_support import HOST, run_ttalertd, scenario

DAY = scenario("long-day")
SUMMARY = re.compile(r"^(\d+) messages, (\d+) SMS segments, busiest hour (\d+) messages "
                     r"\((\d\d:\d\d)\), from (\S+ \S+) to (\S+ \S+)$")
TUNED = {"CPU_LIMIT": 5, "TOP_N": 20, "FOR_TICKS": 2, "MAX_SMS_PER_HOUR": 100}


def live_messages(stdout: str) -> list[str]:
    """The messages a --dry-run printed, each one whole (host line first)."""
    found: list[str] = []
    for line in stdout.splitlines():
        if line == HOST:
            found.append(line)
        else:
            found[-1] += "\n" + line
    return found


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """A replaying daemon's run over the long day with the default config: its messages, its
    trace, and a tuned config with the messages a live run with it sends."""
    where = tmp_path_factory.mktemp("day")
    state = str(where / "memory.json")
    live = run_ttalertd("--dry-run", "--replay", DAY, "--state", state, cwd=str(where))
    assert live.returncode == 0, live.stderr
    tuned = where / "tuned.yml"
    tuned.write_text(json.dumps({"defaults": TUNED}))
    tuned_live = run_ttalertd("--dry-run", "--replay", DAY, "--state", str(where / "t.json"),
                              "--trace", "", "--config", str(tuned), cwd=str(where))
    assert not os.path.exists(where / "t.trace.jsonl")
    return {"dir": where, "state": state, "trace": str(where / "memory.trace.jsonl"),
            "live": live_messages(live.stdout), "tuned": str(tuned),
            "tuned_live": live_messages(tuned_live.stdout)}


def backtest(day, *args: str) -> dict:
    result = run_ttalertd("backtest", *args, cwd=str(day["dir"]))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_trace_has_one_line_per_evaluated_tick(day):
    with open(day["trace"]) as f:
        lines = [json.loads(line) for line in f]
    assert len(lines) == 89  # 90 samples, the first one the baseline
    assert all(len(json.dumps(line)) < 2048 for line in lines)


def test_the_backtest_of_a_trace_gives_the_live_run_lines(day):
    got = backtest(day, "--state", day["state"], "--json")
    assert [m["text"] for m in got["messages"]] == day["live"]
    assert len(day["live"]) >= 10  # the day does hit the rate limit of the defaults


def test_another_config_over_the_trace_gives_what_a_live_run_with_it_gave(day):
    # the trace was written by a run with the defaults (TOP_N 8, CPU_LIMIT 20)
    got = backtest(day, "--trace", day["trace"], "--config", day["tuned"], "--json")
    assert [m["text"] for m in got["messages"]] == day["tuned_live"]
    assert any("backup" in text for text in day["tuned_live"])  # 6-9 %: under 20, over 5


def test_two_configs_over_a_recorded_scenario(day):
    result = run_ttalertd("backtest", "--replay", DAY, "--config", day["tuned"],
                          "--against", os.path.join(DAY, "config.yml"), cwd=str(day["dir"]))
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    new, old, difference = out[-3:]
    assert new.startswith(day["tuned"] + ": ") and old.startswith(
        os.path.join(DAY, "config.yml") + ": ")
    new_m = SUMMARY.match(new.split(": ", 1)[1])
    old_m = SUMMARY.match(old.split(": ", 1)[1])
    assert new_m and old_m, out[-3:]
    assert int(new_m[1]) == len(day["tuned_live"]) and int(old_m[1]) == len(day["live"])
    assert (new_m[5], new_m[6]) == ("2025-11-24 16:17", "2025-11-24 17:45")
    n, s = int(new_m[1]) - int(old_m[1]), int(new_m[2]) - int(old_m[2])
    assert difference == f"difference: {n:+d} messages, {s:+d} segments"
    # the messages are NEW's, each under its time; then a timeline per rule with a figure
    assert out.count(HOST) == len(day["tuned_live"])
    for label in ("load ", "memory ", "swap ", "disk / ", "disk /var ", "busiest cpu "):
        assert any(line.startswith(label) and "limit" in line or "min" in line or "off" in line
                   for line in out if line.startswith(label)), label


def test_the_timeline_is_as_wide_as_the_terminal_and_marks_the_messages(day):
    result = run_ttalertd("backtest", "--state", day["state"], cwd=str(day["dir"]),
                          env=cli_env(COLUMNS="72"))
    out = result.stdout.splitlines()
    lanes = [i for i, line in enumerate(out) if set(line) & set("▁▂▃▄▅▆▇█")]
    assert [out[i].split("  ")[0].rstrip("▁▂▃▄▅▆▇█ ") for i in lanes] == [
        "load", "memory", "swap", "disk /", "disk /var", "busiest cpu"]
    assert all(len(out[i]) <= 72 for i in lanes)
    assert "^" in out[lanes[0] + 1]  # under the load: its alert and its recovery


def test_json_summary_and_last(day):
    got = backtest(day, "--state", day["state"], "--json", "--last", "30m")
    assert set(got) == {"messages", "summary"}
    assert set(got["summary"]) == {"messages", "segments", "busiest_hour"}
    times = [m["time"] for m in got["messages"]]
    assert times and all(t >= "2025-11-24T17:15" for t in times), times
    assert got["summary"]["messages"] == len(got["messages"])


def test_a_backtest_touches_no_state_and_sends_nothing(day, tmp_path):
    before = os.stat(day["state"]).st_mtime_ns, os.path.getsize(day["trace"])
    got = backtest(day, "--state", day["state"], "--json")
    assert got["summary"]["messages"] > 0
    assert (os.stat(day["state"]).st_mtime_ns, os.path.getsize(day["trace"])) == before


def test_a_missing_trace_or_a_bad_config_exits_2(tmp_path):
    missing = run_ttalertd("backtest", "--trace", str(tmp_path / "none.jsonl"), cwd=str(tmp_path))
    assert missing.returncode == 2 and "none.jsonl" in missing.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("defaults:\n  CPU_LIMIT: lots\n")
    result = run_ttalertd("backtest", "--replay", DAY, "--config", str(bad), cwd=str(tmp_path))
    assert result.returncode == 2 and "CPU_LIMIT" in result.stderr
    assert "Traceback" not in missing.stderr + result.stderr
