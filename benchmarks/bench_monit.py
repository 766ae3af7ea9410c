"""What the alternatives cost on the same host and cadence: Debian's monit and netdata.

monit runs in the foreground (`monit -I`) with a one-second cycle that checks what ttalertd
checks: load, CPU and memory (`check system`), one process (`check process ... matching`, which
makes monit scan the whole process table every cycle, as ttalertd's top-N does) and the root
filesystem. netdata, when installed, runs in the foreground with its default one-second
collection. Each figure: utime + stime of the tool's whole process tree over the window, and
its peak resident memory (summed RSS and distinct pages, sampled as bench_daemon samples ours).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import tree_memory

CLOCK_TICK = os.sysconf("SC_CLK_TCK")

MONIT_CONFIG = """\
set daemon 1
set logfile {dir}/monit.log
set pidfile {dir}/monit.pid
set idfile {dir}/monit.id
set statefile {dir}/monit.state
check system {host}
    if loadavg (1min) > 1000 then alert
    if cpu usage > 100% for 5 cycles then alert
    if memory usage > 100% then alert
check process benchmark_sleep matching "^/bin/sleep"
    if cpu > 100% for 5 cycles then alert
    if totalmem > 100 GB then alert
check filesystem rootfs with path /
    if space usage > 100% then alert
"""


def version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0] if text else "?"


def tree_cpu_seconds(root: int) -> float:
    """utime + stime of `root`'s live tree plus what it reaped (cutime + cstime)."""
    total = 0.0
    for pid in tree_memory.tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        keep = (11, 12, 13, 14) if pid == root else (11, 12)
        total += sum(int(fields[i]) for i in keep) / CLOCK_TICK
    return total


class _Peaks(threading.Thread):
    def __init__(self, root: int, period: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.stopped = threading.Event()
        self.rss_sum_kb = self.distinct_kb = 0

    def run(self) -> None:
        while not self.stopped.wait(self.period):
            now = tree_memory.tree_memory(self.root)
            self.rss_sum_kb = max(self.rss_sum_kb, now["rss_sum_kb"])
            self.distinct_kb = max(self.distinct_kb, now["distinct_kb"])


def measure(argv: list[str], seconds: float, *, warmup: float = 3.0,
            cwd: str | None = None) -> dict[str, float]:  # fmt: skip
    """Start `argv`, let it warm up, then CPU per second and peak memory over `seconds`."""
    process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:
        time.sleep(warmup)
        if process.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited {process.returncode} during its warm-up")
        peaks = _Peaks(process.pid)
        peaks.start()
        cpu0, wall0 = tree_cpu_seconds(process.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, wall1 = tree_cpu_seconds(process.pid), time.monotonic()
        peaks.stopped.set()
        peaks.join()
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    per_second = (cpu1 - cpu0) / (wall1 - wall0)
    return {"cpu_ms_per_s": per_second * 1000, "cpu_percent": per_second * 100,
            "rss_sum_kb": peaks.rss_sum_kb, "distinct_kb": peaks.distinct_kb}  # fmt: skip


def monit(seconds: float, warmup: float = 3.0) -> dict[str, object] | None:
    """monit at a one-second cycle (None when not installed)."""
    binary = shutil.which("monit")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        config = os.path.join(scratch, "monitrc")
        with open(config, "w") as f:
            f.write(MONIT_CONFIG.format(dir=scratch, host=socket.gethostname()))
        os.chmod(config, 0o600)  # monit refuses a control file others can read
        figures: dict[str, object] = dict(measure([binary, "-I", "-c", config], seconds,
                                                  warmup=warmup))
    figures["version"] = version([binary, "-V"])
    figures["cycle_s"] = 1.0
    return figures


def netdata(seconds: float) -> dict[str, object] | None:
    """netdata in the foreground, default collection every second (None when not installed)."""
    binary = shutil.which("netdata") or next(
        (p for p in ("/usr/sbin/netdata",) if os.path.exists(p)), None)
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        # -D: foreground; -p: a port of our own; -W set: nothing written outside scratch
        port = _free_port()
        argv = [binary, "-D", "-p", str(port), "-W", "set", "global", "cache directory", scratch,
                "-W", "set", "global", "lib directory", scratch,
                "-W", "set", "global", "log directory", scratch,
                "-W", "set", "global", "run as user", "root"]  # fmt: skip
        figures: dict[str, object] = dict(measure(argv, seconds, warmup=8.0, cwd=scratch))
    figures["version"] = version([binary, "-v"])
    figures["cycle_s"] = 1.0
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
