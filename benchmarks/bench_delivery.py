"""Delivery under a bad network: messages per hour after a five-hour outage, and how long a
trickling endpoint can hold a tick.

Run: python benchmarks/bench_delivery.py [--hours-down 5] [--per-hour 10]
1. A replayed daemon, one tick a minute for eight hours, a new login every tick, a webhook that
   answers 503 to every POST of the first five hours (one try a tick: something new each tick),
   then 200. Each delivered message is placed on the sample clock by its newest login.
2. `ttalertd --once` against a webhook that answers one byte every 2 s: the wall time of the run
   (the HTTP deadline is 10 s) and of a tick with the webhook and two Alertmanagers trickling.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "fixtures")]

from faults_helpers import write_login_storm
from trickle_server import TrickleServer

STEP = 60.0  # seconds between samples: one tick a minute


class FlakyHook:
    """A webhook that answers 503 to the first `failures` POSTs, then 200; keeps what it took."""

    def __init__(self, failures: int) -> None:
        self.failures, self.bodies = failures, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = 503 if hook.failures > 0 else 200
                hook.failures -= 1
                if status == 200:
                    hook.bodies.append(body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def run(args: list[str], cwd: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TTALERTD_", "TWILIO_"))}
    env["PYTHONPATH"] = ROOT
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ttalertd", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=3600, check=False)
    return done, time.perf_counter() - started


def outage(tmp: str, hours_down: int, per_hour: int) -> tuple[list[str], bool]:
    ticks = 8 * 60
    scenario = os.path.join(tmp, "storm")
    write_login_storm(scenario, ticks + 1, step=STEP)
    hook = FlakyHook(failures=hours_down * 60)
    config = os.path.join(tmp, "outage.yml")
    with open(config, "w") as f:
        f.write(f"defaults:\n  ALERT_INTERVAL: 60\n  MAX_SMS_PER_HOUR: {per_hour}\n"
                f"webhook:\n  url: {hook.url}\n")
    done, seconds = run(["--replay", scenario, "--config", config, "--state",
                         os.path.join(tmp, "outage.json")], tmp)
    hook.server.shutdown()
    # the tick of each delivery: its newest login's number (login k comes with tick k)
    ticks_at = [max(int(n) for n in re.findall(r"user(\d+) logged on", " ".join(
        a["text"] for a in body["alerts"]))) for body in hook.bodies]
    busiest = max(sum(1 for t in ticks_at if s <= t < s + 60) for s in ticks_at)
    first = hook.bodies[0]
    hours = [sum(1 for t in ticks_at if h * 60 < t <= (h + 1) * 60) for h in range(8)]
    ok = busiest <= per_hour and done.returncode == 0 and len(first["alerts"]) > hours_down * 60
    return [
        (f"outage: {hours_down} h down, then {8 - hours_down} h up, a login a minute, "
        f"MAX_SMS_PER_HOUR {per_hour} (run took {seconds:.0f} s, exit {done.returncode})"),
        f"  messages delivered in each hour of the run: {hours}",
        (f"  first message after the outage: {len(first['alerts'])} lines merged, "
        f"{len(first['text'])} characters of text"),
        (f"  busiest sliding hour: {busiest} messages, limit {per_hour}: "
        f"{'PASS' if ok else 'FAIL'}"),
    ], ok


def trickle(tmp: str) -> tuple[list[str], bool]:
    scenario = os.path.join(tmp, "one")
    write_login_storm(scenario, 2)
    lines, ok = [], True
    with TrickleServer(interval=2.0, lasts=3600) as peer:
        base = peer.url.removesuffix("/hook")
        for name, extra in (("webhook", ""),
                            ("webhook + 2 Alertmanagers",
                             f"alertmanager:\n  urls: [{base}/a, {base}/b]\n")):
            config = os.path.join(tmp, "trickle.yml")
            with open(config, "w") as f:
                f.write(f"webhook:\n  url: {peer.url}\n{extra}")
            done, seconds = run(["--once", "--replay", scenario, "--config", config, "--state",
                                 os.path.join(tmp, f"{len(extra)}.json")], tmp)
            good = done.returncode == 1 and seconds < 10.0 * 1.5 + 2  # deadline, start-up
            ok &= good
            lines.append(f"trickle (1 byte / 2 s), {name}: --once took {seconds:.1f} s, exit "
                         f"{done.returncode} (kept), deadline 10 s: {'PASS' if good else 'FAIL'}")
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours-down", type=int, default=5)
    parser.add_argument("--per-hour", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        first, ok1 = outage(tmp, args.hours_down, args.per_hour)
        second, ok2 = trickle(tmp)
    print("\n".join(first + second))
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    sys.exit(main())
