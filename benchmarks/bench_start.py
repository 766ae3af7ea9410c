"""Start-up time of `ttalertd snapshot --replay`, and the wrapper that reports a daemon's memory."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_SCENARIO = os.path.join(REPO, "fixtures", "idle-host")

# runs ttalertd exactly as `python -m ttalertd` does (runpy), then reports memory at exit
MEASURED_MAIN = """
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


# one per user, reused run after run (stale files are recompiled): a killed run leaves no litter
_PYCACHE = os.path.join(tempfile.gettempdir(), f"ttalertd-bench-pyc-{os.getuid()}")


def clean_env() -> dict[str, str]:
    """No config or state from the caller's environment: the console notifier, built-in defaults.

    Bytecode is written (to a scratch PYTHONPYCACHEPREFIX, so the tree stays clean) as an
    installed package has it: without .pyc files every start compiles ttalertd from source."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TTALERTD_", "TWILIO_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    env["PYTHONPATH"] = os.pathsep.join([REPO, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _run_ms(argv: list[str], cwd: str) -> tuple[float, float]:
    """Wall ms and CPU ms (user + system) of one run of `argv`, start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=clean_env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def startup_overhead(runs: int = 11, scenario: str = SMALL_SCENARIO,
                     config: str | None = None) -> dict[str, float]:  # fmt: skip
    """Medians of `python -c pass` and `python -m ttalertd snapshot --replay S`, interleaved.

    Wall and CPU ms of each; `config`: a credentials.yml to read (default: none, the console)."""
    snapshot_argv = [sys.executable, "-m", "ttalertd", "snapshot", "--replay", scenario]
    if config is not None:
        snapshot_argv += ["--config", config]
    bare: list[tuple[float, float]] = []
    snapshot: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as cwd:  # no ./credentials.yml to pick up
        _run_ms(snapshot_argv, cwd)  # warm-up: writes the bytecode cache
        for _ in range(runs):
            bare.append(_run_ms([sys.executable, "-c", "pass"], cwd))
            snapshot.append(_run_ms(snapshot_argv, cwd))
    result = {}
    for index, unit in ((0, "ms"), (1, "cpu_ms")):
        python = statistics.median(run[index] for run in bare)
        ours = statistics.median(run[index] for run in snapshot)
        result |= {f"python_{unit}": python, f"snapshot_{unit}": ours,
                   f"overhead_{unit}": ours - python}  # fmt: skip
    return result
