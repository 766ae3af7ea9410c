"""Live pieces for the fleet tests: a real Alertmanager HA pair (gossip on loopback) and
ttalertd daemons run as `python -m ttalertd` from this tree, each stopped by pid."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from cli_support import cli_env, ttalertd_command
from fixture_writer import Sample, base, write_sample

AM_BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")

# heartbeats go to a receiver that does nothing; a silent peer notifies the capture server
AM_CONFIG = """\
route:
  receiver: capture
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['alertname="TTAlertHeartbeat"']
      receiver: void
receivers:
  - name: void
  - name: capture
    webhook_configs:
      - url: {hook}
        send_resolved: true
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Everything a test starts, so that all of it is stopped by pid, on failure too."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, argv: list[str], log: Path, env: dict[str, str] | None = None
              ) -> subprocess.Popen:
        with open(log, "ab") as out:
            child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.running.append(child)
        return child

    def stop_all(self) -> None:
        for child in self.running:
            if child.poll() is None:
                child.kill()
            child.wait(15)


def start_alertmanager_pair(procs: Processes, home: Path, hook: str) -> list[str]:
    """Two Alertmanagers gossiping on loopback (peer timeout 1 s), both ready: their URLs."""
    web = [free_port(), free_port()]
    gossip = [free_port(), free_port()]
    urls = []
    for index in (0, 1):
        where = home / f"am{index + 1}"
        where.mkdir()
        (where / "alertmanager.yml").write_text(AM_CONFIG.format(hook=hook))
        procs.start(
            [AM_BINARY, f"--config.file={where / 'alertmanager.yml'}",
             f"--storage.path={where / 'data'}", f"--web.listen-address=127.0.0.1:{web[index]}",
             f"--cluster.listen-address=127.0.0.1:{gossip[index]}",
             f"--cluster.peer=127.0.0.1:{gossip[1 - index]}", "--cluster.peer-timeout=1s",
             "--cluster.settle-timeout=2s", "--log.level=warn"],
            where / "log")
        urls.append(f"http://127.0.0.1:{web[index]}")
    for url in urls:
        wait_until(lambda u=url: _ready(u), 15, f"{url} ready")
    return urls


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def active_alerts(url: str, alertname: str) -> list[dict]:
    query = urllib.parse.urlencode({"filter": f'alertname="{alertname}"'})
    with urllib.request.urlopen(f"{url}/api/v2/alerts?{query}", timeout=5) as answer:
        return json.loads(answer.read())


def wait_until(predicate, timeout: float, what: str, step: float = 0.1):
    """Poll `predicate` until it is truthy (its value) or `timeout` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s in vain for {what}")
        time.sleep(step)


def daemon_env() -> dict[str, str]:
    return cli_env()  # this checkout, no TTALERTD_*/TWILIO_*, no system config


def start_daemon(procs: Processes, home: Path, host: str, config: str) -> subprocess.Popen:
    """`python -m ttalertd` as host `host` with its own config, state and log under home."""
    cfg = home / f"{host}.yml"
    cfg.write_text(config)
    return procs.start(ttalertd_command("--config", str(cfg),
                                        "--state", str(home / f"{host}.json")),
                       home / f"{host}.log", env=daemon_env())


def stop(child: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    child.send_signal(signum)
    child.wait(20)


def present_scenario(directory: Path, loads: list[str]) -> Path:
    """Samples 1 s apart whose last clock (btime + uptime) is now: one tick per later sample."""
    btime = int(time.time()) - 1000 - len(loads)
    for number, load in enumerate(loads):
        write_sample(str(directory / str(number)),
                     Sample(f"{1001 + number}.00 1900.00", f"{load} 1/200 9999", base(),
                            btime=btime))
    return directory
