"""Start-up time of `ttalertd snapshot --replay` and resident memory of a replaying daemon."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from ttalertd.read.record import record

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_SCENARIO = os.path.join(REPO, "fixtures", "idle-host")

# runs ttalertd exactly as `python -m ttalertd` does (runpy), then reports memory at exit
_MEASURED_MAIN = """
import atexit, json, os, runpy, sys
def _report():
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0])
    fields["twilio"] = any(name.split(".")[0] == "twilio" for name in sys.modules)
    with open(os.environ["BENCH_MEMORY_REPORT"], "w") as out:
        json.dump(fields, out)
atexit.register(_report)
sys.argv[0] = "ttalertd"
runpy.run_module("ttalertd", run_name="__main__", alter_sys=True)
"""


def clean_env() -> dict[str, str]:
    """No config or state from the caller's environment: the console notifier, built-in defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TTALERTD_")}


def _wall_ms(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=clean_env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return (time.perf_counter() - start) * 1000


def startup_overhead(runs: int = 11, scenario: str = SMALL_SCENARIO) -> dict[str, float]:
    """Median wall ms of `python -c pass` and of `python -m ttalertd snapshot --replay`, interleaved."""
    bare, snapshot = [], []
    with tempfile.TemporaryDirectory() as cwd:  # no ./credentials.yml to pick up
        for _ in range(runs):
            bare.append(_wall_ms([sys.executable, "-c", "pass"], cwd))
            snapshot.append(
                _wall_ms([sys.executable, "-m", "ttalertd", "snapshot", "--replay", scenario], cwd)
            )
    python_ms, snapshot_ms = statistics.median(bare), statistics.median(snapshot)
    return {"python_ms": python_ms, "snapshot_ms": snapshot_ms,
            "overhead_ms": snapshot_ms - python_ms}  # fmt: skip


def record_scenario(dest: str, samples: int = 101, interval: float = 0.02) -> str:
    """A scenario of this live host, recorded with ttalertd's own recorder."""
    record(dest, samples=samples, interval=interval)
    return dest


def daemon_memory(scenario: str) -> dict[str, object]:
    """Peak and final RSS (kB) of `ttalertd --dry-run --replay SCENARIO --state F`, and its ticks."""
    with tempfile.TemporaryDirectory() as cwd:
        report = os.path.join(cwd, "memory-report.json")
        env = clean_env() | {"BENCH_MEMORY_REPORT": report}
        argv = [sys.executable, "-c", _MEASURED_MAIN, "--dry-run", "--replay", scenario,
                "--state", os.path.join(cwd, "memory.json")]  # fmt: skip
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1) or not os.path.exists(report):
            raise RuntimeError(f"daemon exited {done.returncode}: {done.stderr[-500:]}")
        with open(report) as data:
            fields = json.load(data)
    samples = sum(1 for name in os.listdir(scenario) if name.isdigit())
    return {"peak_kb": fields["VmHWM"], "final_kb": fields["VmRSS"], "ticks": samples - 1,
            "twilio_imported": fields["twilio"], "exit": done.returncode}  # fmt: skip
