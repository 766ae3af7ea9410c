"""Whole ticks over random input: kernel files of random bytes, a memory.json of random values.

The parsers one by one and the config loader are fuzzed in test_proc_fuzz.py and
test_config_files.py; here the pieces run together, as a tick does.
"""

from __future__ import annotations

import io
import json
import os
import tempfile

from faults_helpers import assert_no_traceback, login_line, run_cli, write_login_storm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttalertd.config.records import Config
from ttalertd.read.source import Source
from ttalertd.runner import Runner
from ttalertd.state.store import load_state

# every file a sample may hold (interface.md section 3), pid 42 standing for the processes
FILES = ("proc/uptime", "proc/loadavg", "proc/stat", "proc/meminfo",
         "proc/sys/kernel/random/boot_id", "proc/self/mounts", "proc/42/stat", "proc/42/status",
         "proc/42/cmdline", "proc/1/stat", "var/run/utmp", "etc/passwd", "statvfs.json",
         "run/systemd/sessions/c1")  # fmt: skip
NEAR = st.lists(st.sampled_from([b"1000.00 ", b"0.5 ", b"(", b")", b" ", b"\n", b":", b"\0",
                                 b"-1", b"99999999999999999999", b"nan", b"inf", b"cpu0 ",
                                 b"btime ", b"MemTotal:", b"kB", b"\xff", b"{", b"}", b"[]"]),
                max_size=40).map(b"".join)  # fmt: skip
CONTENT = st.one_of(st.binary(max_size=800), NEAR)
SAMPLE = st.dictionaries(st.sampled_from(FILES), CONTENT, max_size=len(FILES))


def write_files(scenario: str, samples: list[dict[str, bytes]]) -> None:
    for index, files in enumerate(samples):
        for name, data in files.items():
            path = os.path.join(scenario, str(index), name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        os.makedirs(os.path.join(scenario, str(index), "proc"), exist_ok=True)


def tick_in_process(scenario: str, state: str) -> str:
    """Baseline, then ticks over the rest of the samples; returns what the console printed."""
    out = io.StringIO()
    source = Source(replay=scenario)
    runner = Runner(Config(), source, state, dry_run=True, stdout=out, host="h")
    runner.start()
    for _ in range(len(os.listdir(scenario)) - 1):
        runner.tick()
    return out.getvalue()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples=st.lists(SAMPLE, min_size=2, max_size=3))
def test_a_tick_over_random_kernel_files_completes(samples):
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "s")
        write_files(scenario, samples)
        state = os.path.join(tmp, "memory.json")
        tick_in_process(scenario, state)
        assert load_state(state).existed  # the tick saved a state that reads back


@settings(max_examples=8, deadline=None)
@given(samples=st.lists(SAMPLE, min_size=2, max_size=2))
def test_once_dry_run_over_random_kernel_files_exits_0(samples):
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "s")
        write_files(scenario, samples)
        result = run_cli("--once", "--dry-run", "--replay", scenario,
                         "--state", os.path.join(tmp, "memory.json"), cwd=tmp)
        assert_no_traceback(result)
        assert result.returncode == 0


# memory.json: the right keys, random JSON values, so type checks are what is exercised
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8)  # fmt: skip
CONDITION = st.fixed_dictionaries({}, optional={k: JSON for k in (
    "kind", "streak", "since", "firing", "told", "level", "pid", "text", "labels")})
HELD = st.fixed_dictionaries({}, optional={k: JSON for k in (
    "kind", "text", "key", "recovery", "labels", "starts_at")})
MEMORY = st.fixed_dictionaries({}, optional={
    "sessions": JSON | st.lists(st.lists(st.text(max_size=5), min_size=3, max_size=3)),
    "conditions": JSON | st.dictionaries(st.sampled_from(["load", "cpu:x", "disk:/", "memory"]),
                                         CONDITION, max_size=3),
    "cpu_streaks": JSON | st.dictionaries(st.integers(0, 99).map(str),
                                          st.lists(JSON, min_size=2, max_size=2)),
    "ticks_since_reset": JSON, "tick": JSON, "boot_id": JSON,
    "held": JSON | st.lists(HELD, max_size=3),
})  # fmt: skip
STATE = st.fixed_dictionaries({"memory": MEMORY}, optional={"outbox": JSON, "alertmanager": JSON})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=STATE)
def test_a_tick_from_a_memory_json_of_random_values_completes(document):
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "storm")
        write_login_storm(scenario, 3)
        state = os.path.join(tmp, "memory.json")
        with open(state, "w") as f:
            json.dump(document, f)
        printed = tick_in_process(scenario, state)
        assert load_state(state).existed
        assert login_line(2) in printed  # the last login is alerted whatever was remembered
