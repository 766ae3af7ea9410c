"""Three live ttalertd daemons watch each other through a real Alertmanager HA pair.

Debian's prometheus-alertmanager, two instances gossiping on loopback (so the pair notifies its
receiver once); each daemon has ALERT_INTERVAL 1 and a webhook into the same loopback capture
server, so the test sees who texts. In order: web1 (the lowest name) is SIGKILLed and exactly
one survivor tells, within PEER_SILENT_TICKS + 2 of its ticks, both Alertmanagers hold one
TTAlertPeerSilent and the receiver is notified once; web1 comes back and `back after` is told;
web3 is stopped with SIGTERM and nothing is told before its grace ends; both Alertmanagers stop
and no survivor calls anyone silent.
"""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import datetime

import pytest
from am_capture import Capture
from fleet_support import (
    AM_BINARY,
    Processes,
    active_alerts,
    start_alertmanager_pair,
    start_daemon,
    stop,
    wait_until,
)

pytestmark = pytest.mark.skipif(
    AM_BINARY is None, reason="needs Debian's prometheus-alertmanager; "
    "apt-get install prometheus-alertmanager")

SILENT_TICKS = 3
GRACE_SECONDS = 6.0  # PEER_STOP_GRACE_MINUTES 0.1
HOSTS = ("web1", "web2", "web3")
WAIT = 20.0  # the longest any one condition may take to show on a busy machine

CONFIG = """\
host: {host}
defaults:
  ALERT_INTERVAL: 1
  PEER_SILENT_TICKS: {ticks}
  PEER_STOP_GRACE_MINUTES: 0.1
  LOAD_AVG_MAX: 1000
  CPU_LIMIT: 100000
  MEM_AVAILABLE_MIN: null
  DISK_FREE_MIN: null
  MAX_SMS_PER_HOUR: 1000
alertmanager:
  urls: {urls}
  labels: {{fleet: test}}
  watch_peers: true
webhook:
  url: {hook}/{host}
"""


def peer_texts(capture: Capture, pattern: str) -> list[tuple[str, str, float]]:
    """(who texted, the line, when it arrived) for each webhook line matching `pattern`."""
    return [(post.path.strip("/"), alert["text"], post.arrived)
            for post in list(capture.posts) if post.path.strip("/") in HOSTS
            for alert in post.body["alerts"]
            if alert["kind"] == "peer" and re.search(pattern, alert["text"])]


def notified(capture: Capture, status: str, instance: str) -> list[tuple[dict, float]]:
    """(alert, when it arrived) for each TTAlertPeerSilent about `instance` the pair sent."""
    return [(alert, post.arrived) for post in list(capture.posts) if post.path == "/am"
            and post.body["status"] == status for alert in post.body["alerts"]
            if alert["labels"]["alertname"] == "TTAlertPeerSilent"
            and alert["labels"]["instance"] == instance]


def known_peers(home, host: str) -> set[str]:
    try:
        return set(json.loads((home / f"{host}.json").read_text())["peers"]["hosts"])
    except (OSError, ValueError, KeyError):
        return set()


def ticks_logged(home, host: str, until: str | None = None) -> int:
    """How many `tick N:` summaries the host's log holds (before the line holding `until`)."""
    text = (home / f"{host}.log").read_text()
    if until is not None:
        text = text[: text.index(until)]
    return len(re.findall(r" tick \d+:", text))


def test_three_daemons_tell_on_a_dead_peer_once_and_never_on_a_planned_stop(tmp_path):
    procs = Processes()
    with Capture() as capture:
        try:
            urls = start_alertmanager_pair(procs, tmp_path, f"{capture.url}/am")
            config = {host: CONFIG.format(host=host, ticks=SILENT_TICKS, urls=json.dumps(urls),
                                          hook=capture.url) for host in HOSTS}
            daemons = {host: start_daemon(procs, tmp_path, host, config[host]) for host in HOSTS}
            wait_until(lambda: all(known_peers(tmp_path, h) == set(HOSTS) - {h} for h in HOSTS),
                       WAIT, "every daemon to know the other two")

            # SIGKILL the lowest name: telling passes to web2, and to web2 alone
            base = {h: ticks_logged(tmp_path, h) for h in ("web2", "web3")}
            killed_at = time.time()
            daemons["web1"].kill()
            daemons["web1"].wait(10)
            [(teller, line, texted_at)] = wait_until(
                lambda: peer_texts(capture, "peer web1 silent"), WAIT, "a survivor's text")
            assert (teller, re.sub(r"\d\d:\d\d", "HH:MM", line)) == \
                ("web2", "peer web1 silent since HH:MM")
            told_tick = ticks_logged(tmp_path, "web2", until="peers: peer web1 silent") + 1
            assert told_tick - base["web2"] <= SILENT_TICKS + 2, "told too many ticks late"
            [(_, notified_at)] = wait_until(lambda: notified(capture, "firing", "web1"), WAIT,
                                            "Alertmanager's notification")
            for url in urls:  # the survivors' identical reports are one alert on each
                [held] = wait_until(lambda u=url: active_alerts(u, "TTAlertPeerSilent"), WAIT,
                                    "TTAlertPeerSilent on both Alertmanagers")
                assert held["labels"] == {"alertname": "TTAlertPeerSilent", "instance": "web1",
                                          "severity": "warning", "fleet": "test"}
            print(f"\nSIGKILL -> survivor's text {texted_at - killed_at:.1f} s, "
                  f"-> Alertmanager's notification {notified_at - killed_at:.1f} s")

            # web1 comes back: told once, by the lowest other live host, and resolved
            daemons["web1"] = start_daemon(procs, tmp_path, "web1", config["web1"])
            [(teller, line, _)] = wait_until(lambda: peer_texts(capture, "peer web1 back"),
                                             WAIT, "back after")
            assert teller == "web2" and re.fullmatch(r"peer web1 back after \d+ min", line)
            wait_until(lambda: notified(capture, "resolved", "web1"), WAIT, "resolved")
            assert len(notified(capture, "firing", "web1")) == 1, "the pair notified twice"
            assert len(peer_texts(capture, "peer web1 silent")) == 1

            # a planned stop: nothing before its grace ends, then "stopped cleanly"
            wait_until(lambda: "web1" in known_peers(tmp_path, "web3")
                       and ticks_logged(tmp_path, "web1") >= 2, WAIT, "web1 seen again")
            stopped_at = time.time()
            stop(daemons["web3"], signal.SIGTERM)
            for url in urls:  # its last word: alive through the grace, saying when it stopped
                [last] = [a for a in active_alerts(url, "TTAlertHeartbeat")
                          if a["labels"]["instance"] == "web3"]
                stopping = datetime.fromisoformat(last["annotations"]["stopping"]).timestamp()
                ends = datetime.fromisoformat(last["endsAt"]).timestamp()
                assert stopped_at - 1 <= stopping <= time.time()
                assert ends == pytest.approx(stopping + GRACE_SECONDS, abs=0.01)
            [(teller, line, texted_at)] = wait_until(
                lambda: peer_texts(capture, "peer web3"), GRACE_SECONDS + WAIT, "web3 silent")
            assert texted_at >= stopped_at + GRACE_SECONDS, "told inside the grace"
            assert teller == "web1"  # back, and the lowest name again
            assert re.fullmatch(r"peer web3 silent since \d\d:\d\d \(stopped cleanly\)", line)

            # no Alertmanager: the survivors know nothing, so they say nothing
            told_before = len(peer_texts(capture, "silent"))
            for am in procs.running[:2]:
                am.kill()
                am.wait(10)
            base = {h: ticks_logged(tmp_path, h) for h in ("web1", "web2")}
            wait_until(lambda: all(ticks_logged(tmp_path, h) >= base[h] + SILENT_TICKS + 2
                                   for h in base), WAIT, "ticks without Alertmanager")
            assert len(peer_texts(capture, "silent")) == told_before
            for host in ("web1", "web2"):
                assert "no Alertmanager answered" in (tmp_path / f"{host}.log").read_text()
        finally:
            procs.stop_all()
