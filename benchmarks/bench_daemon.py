"""The live daemon as a user runs it: Twilio configured (the loopback stand-in), messages sent.

Two runs of `python -m ttalertd --config C --state S` at ALERT_INTERVAL 1 with the caller's idle
children alive: a *sending* run (LOAD_AVG_MAX 0.01 and RESET_INTERVAL 2: a load line every other
tick, so a Twilio child is started every other second) for the peak memory of the process tree,
sampled every 20 ms; and a *steady* run (nothing alerts) for the CPU one tick costs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))  # the loopback Twilio stand-in

import bench_start
import tree_memory
from twilio_standin import TwilioStandin

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "bench-t0ken-5ecret"
TICKS = re.compile(rb" tick (\d+): ")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

SENDING = {"ALERT_INTERVAL": 1, "RESET_INTERVAL": 2, "LOAD_AVG_MAX": 0.01,
           "LOAD_ESCALATE_RATIO": 1, "MAX_SMS_PER_HOUR": 100000}  # fmt: skip
STEADY = {"ALERT_INTERVAL": 1, "LOAD_AVG_MAX": 100000, "CPU_LIMIT": 100000,
          "MEM_AVAILABLE_MIN": None, "DISK_FREE_MIN": None, "SWAP_USED_MAX": None,
          "MAX_SMS_PER_HOUR": 100000}  # fmt: skip


def write_config(path: str, api_url: str, defaults: dict[str, object]) -> str:
    lines = ["twilio:", f'  account_sid: "{SID}"', f'  auth_token: "{TOKEN}"',
             '  to: "+15551234567"', '  from: "+18885551234"', f'  api_url: "{api_url}"',
             "defaults:"]  # fmt: skip
    lines += [f"  {key}: {'null' if value is None else value}" for key, value in defaults.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and of its reaped children (the Twilio children), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICK


class Sampler(threading.Thread):
    """Every `period` s: the tree's summed RSS and distinct resident pages; keeps the peaks."""

    def __init__(self, root: int, period: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.stopped = threading.Event()
        self.peak = {"rss_sum_kb": 0, "distinct_kb": 0, "processes": 0, "child_hwm_kb": 0}
        self.samples = 0

    def run(self) -> None:
        while not self.stopped.wait(self.period):
            now = tree_memory.tree_memory(self.root)
            self.samples += 1
            for key in ("rss_sum_kb", "distinct_kb", "processes"):
                self.peak[key] = max(self.peak[key], now[key])
            for pid in tree_memory.tree_pids(self.root)[1:]:
                self.peak["child_hwm_kb"] = max(self.peak["child_hwm_kb"], _hwm_kb(pid))


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Daemon:
    """`python -m ttalertd` through bench_start's wrapper (reports VmHWM and twilio at exit)."""

    def __init__(self, scratch: str, config: str) -> None:
        self.report = os.path.join(scratch, "exit-report.json")
        self.log_path = os.path.join(scratch, "ttalertd.log")
        env = bench_start.clean_env() | {"BENCH_MEMORY_REPORT": self.report}
        argv = [sys.executable, "-c", bench_start.MEASURED_MAIN, "--config", config,
                "--state", os.path.join(scratch, "memory.json")]  # fmt: skip
        self.log = open(self.log_path, "wb")  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(argv, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self.log)  # fmt: skip

    def ticks(self) -> int:
        with open(self.log_path, "rb") as f:
            found = TICKS.findall(f.read())
        return int(found[-1]) if found else 0

    def wait_for_tick(self, tick: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.ticks() < tick:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the daemon never reached tick {tick}: {self.tail()}")
            time.sleep(0.05)

    def tail(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read()[-800:].decode(errors="replace")

    def stop(self) -> dict[str, object]:
        """SIGTERM, wait, and the wrapper's exit report."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()
        with open(self.report) as f:
            return json.load(f)


def sending_run(seconds: float) -> dict[str, object]:
    """Peak memory of the tree while the daemon sends through Twilio children."""
    with TwilioStandin(credentials={SID: TOKEN}) as standin, \
            tempfile.TemporaryDirectory() as scratch:  # fmt: skip
        config = write_config(os.path.join(scratch, "credentials.yml"), standin.url, SENDING)
        daemon = Daemon(scratch, config)
        try:
            daemon.wait_for_tick(1)
            sampler = Sampler(daemon.process.pid)
            sampler.start()
            time.sleep(seconds)
            sampler.stopped.set()
            sampler.join()
            between = _between_sends(daemon.process.pid)
        finally:
            report = daemon.stop()
        return {"sent": len(standin.received), "peak": sampler.peak, "samples": sampler.samples,
                "daemon_hwm_kb": report["VmHWM"], "daemon_final_kb": report["VmRSS"],
                "twilio_in_daemon": report["twilio"], "between": between,
                "token_shown": TOKEN in daemon.tail()}  # fmt: skip


def _between_sends(pid: int, timeout: float = 30) -> dict[str, int]:
    """The tree when no Twilio child is alive: the daemon alone, after its sends."""
    deadline = time.monotonic() + timeout
    while True:
        now = tree_memory.tree_memory(pid)
        if now["processes"] == 1 or time.monotonic() > deadline:
            return now
        time.sleep(0.005)


def steady_run(ticks: int) -> dict[str, float]:
    """CPU per tick of the daemon with Twilio configured and nothing to send (warm ticks)."""
    with TwilioStandin(credentials={SID: TOKEN}) as standin, \
            tempfile.TemporaryDirectory() as scratch:  # fmt: skip
        config = write_config(os.path.join(scratch, "credentials.yml"), standin.url, STEADY)
        daemon = Daemon(scratch, config)
        try:
            daemon.wait_for_tick(2)  # past the first tick, which opens every stat descriptor
            first, cpu0 = daemon.ticks(), cpu_seconds(daemon.process.pid)
            daemon.wait_for_tick(first + ticks, timeout=ticks * 10 + 60)
            last, cpu1 = daemon.ticks(), cpu_seconds(daemon.process.pid)
        finally:
            report = daemon.stop()
    per_tick = (cpu1 - cpu0) / max(1, last - first)
    return {"cpu_ms_per_tick": per_tick * 1000, "ticks": last - first,
            "cpu_percent": per_tick * 100, "daemon_hwm_kb": report["VmHWM"],
            "sent": len(standin.received)}  # fmt: skip


_CHILD_COST = """
import json, resource, sys, time
from ttalertd.notifiers.twilio_sms import TwilioAccount, run_twilio
account = TwilioAccount(sys.argv[1], sys.argv[2], sys.argv[3])
start = time.perf_counter()
run_twilio(account, "messages.create", {"to": "+15551234567", "from_": "+1888", "body": "b"})
wall = time.perf_counter() - start
child = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": child.ru_utime + child.ru_stime,
                  "max_rss_kb": child.ru_maxrss}))
"""


def twilio_child_cost(runs: int = 5) -> dict[str, float]:
    """One Twilio child (messages.create against the stand-in): CPU, wall and peak RSS, medians.

    Each from a fresh parent, so RUSAGE_CHILDREN holds that one child and nothing else."""
    import statistics

    found = []
    with TwilioStandin(credentials={SID: TOKEN}) as standin:
        for _ in range(runs):
            done = subprocess.run([sys.executable, "-c", _CHILD_COST, SID, TOKEN, standin.url],
                                  env=bench_start.clean_env(), capture_output=True, text=True,
                                  check=True)  # fmt: skip
            found.append(json.loads(done.stdout))
    return {"cpu_ms": statistics.median(f["cpu"] for f in found) * 1000,
            "wall_ms": statistics.median(f["wall"] for f in found) * 1000,
            "max_rss_kb": statistics.median(f["max_rss_kb"] for f in found)}  # fmt: skip
