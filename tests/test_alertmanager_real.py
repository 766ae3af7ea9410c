"""ttalertd against a real Prometheus Alertmanager HA pair (Debian's prometheus-alertmanager).

Two Alertmanagers on 127.0.0.1, each notifying a loopback capture server; ttalertd replays a
scenario whose clock is the present, in two parts with one state file as a restarted daemon
would (a replay is faster than group_wait): the load fires, then recovers. Asserted: the
notifications Alertmanager itself sends (labels, firing then resolved) and `amtool alert query`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from am_capture import Capture
from cli_support import run_ttalertd
from fixture_writer import Sample, base, write_sample

AM_BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")
pytestmark = pytest.mark.skipif(
    AM_BINARY is None or AMTOOL is None,
    reason="needs Debian's prometheus-alertmanager (alertmanager and amtool on PATH); "
    "apt-get install prometheus-alertmanager",
)
WAIT = 15.0  # seconds any one wait may take; the whole test stays well under 30 s

AM_CONFIG = """\
route:
  receiver: capture
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: capture
    webhook_configs:
      - url: {hook}
        send_resolved: true
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_alertmanager(tmp_path, name: str, hook: str) -> tuple[subprocess.Popen, str]:
    """An Alertmanager on a free loopback port, gossip off; returns it once ready."""
    home = tmp_path / name
    home.mkdir()
    (home / "alertmanager.yml").write_text(AM_CONFIG.format(hook=hook))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(home / "log", "wb")  # noqa: SIM115 (closed with the process below)
    am = subprocess.Popen(
        [AM_BINARY, f"--config.file={home / 'alertmanager.yml'}",
         f"--storage.path={home / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
         "--cluster.listen-address=", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return am, url
        except OSError:
            if am.poll() is not None:
                break
            time.sleep(0.1)
    am.kill()
    pytest.fail(f"alertmanager did not get ready: {(home / 'log').read_text()[-2000:]}")


def present_scenario(directory, loads: list[str]) -> None:
    """Samples 1 s apart, whose last sample's clock (btime + uptime) is now."""
    btime = int(time.time()) - 1000 - len(loads)
    for number, load in enumerate(loads):
        uptime = 1001 + number
        write_sample(str(directory / str(number)),
                     Sample(f"{uptime}.00 1900.00", f"{load} 1/200 9999", base(), btime=btime))


def replay(scenario, cfg, state) -> None:
    done = run_ttalertd("--replay", str(scenario), "--config", str(cfg), "--state", str(state),
                        cwd=os.path.dirname(str(state)))
    assert done.returncode == 0, done.stderr


def notified(capture: Capture, path: str, status: str) -> list[dict]:
    """The alerts of the notifications with `status` that Alertmanager sent to `path`."""
    return [a for p in capture.posts if p.path == path and p.body["status"] == status
            for a in p.body["alerts"]]


def amtool_query(url: str) -> list[dict]:
    done = subprocess.run([AMTOOL, "alert", "query", f"--alertmanager.url={url}", "-o", "json",
                           "alertname=~TTAlert.*"],
                          check=False, capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_real_alertmanager_pair_notifies_firing_then_resolved(tmp_path):
    host = socket.gethostname()
    running: list[subprocess.Popen] = []
    with Capture() as capture:
        try:
            urls = []
            for name in ("am1", "am2"):
                am, url = start_alertmanager(tmp_path, name, f"{capture.url}/{name}")
                running.append(am)
                urls.append(url)
            cfg = tmp_path / "credentials.yml"
            cfg.write_text("defaults:\n  ALERT_INTERVAL: 60\n  LOAD_AVG_MAX: 1.2\n"
                           f"alertmanager:\n  urls: {json.dumps(urls)}\n  labels: {{team: ops}}\n")
            state = tmp_path / "memory.json"

            # part one: a baseline, then the load is over its limit
            present_scenario(tmp_path / "part1", ["0.10 0.10 0.05", "3.52 2.10 1.30"])
            replay(tmp_path / "part1", cfg, state)
            for name in ("am1", "am2"):
                assert capture.wait_for(lambda p, n=name: notified(capture, f"/{n}", "firing"),
                                        WAIT), f"{name} sent no firing notification"
                [alert] = notified(capture, f"/{name}", "firing")
                assert alert["labels"] == {"alertname": "TTAlertLoad", "instance": host,
                                           "severity": "warning", "team": "ops"}
                assert alert["annotations"]["summary"].startswith("load")
                assert "3.52 2.10 1.30" in alert["annotations"]["summary"]
            for url in urls:
                [active] = amtool_query(url)
                assert active["labels"]["alertname"] == "TTAlertLoad"
                assert active["labels"]["instance"] == host
                assert active["status"]["state"] == "active"

            # part two, a restarted daemon with the same state file: the load is back to normal
            present_scenario(tmp_path / "part2", ["3.52 2.10 1.30", "0.20 1.50 1.20"])
            replay(tmp_path / "part2", cfg, state)
            for name in ("am1", "am2"):
                assert capture.wait_for(lambda p, n=name: notified(capture, f"/{n}", "resolved"),
                                        WAIT), f"{name} sent no resolved notification"
                [alert] = notified(capture, f"/{name}", "resolved")
                assert alert["labels"]["alertname"] == "TTAlertLoad"
                assert alert["annotations"]["summary"] == "load back to normal: 0.20 1.50 1.20"
            for url in urls:
                assert amtool_query(url) == []
        finally:
            for am in running:
                am.kill()
                am.wait(WAIT)
