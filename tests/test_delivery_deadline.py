"""Slow peers never hold a tick: sends run side by side, each within its total deadline; and a
tick's Alertmanager posts are on disk before the first try, so a SIGKILL mid-post loses none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from cli_support import cli_env, ttalertd_command
from faults_helpers import write_login_storm
from trickle_server import TrickleServer

from ttalertd.alert import Alert
from ttalertd.notifiers import Webhook
from ttalertd.notifiers.alertmanager import Alertmanager
from ttalertd.notify.delivery import Outbox, enqueue, flush
from ttalertd.notify.message import AlertState

T0 = 1_700_000_000.0
LOGIN = Alert("login", "alice logged on pts/0 from 10.0.0.5", "login:alice")
STATE = AlertState("login:alice", True, (("alertname", "TTAlertLogin"),),
                   (("summary", LOGIN.text),), T0, T0 + 60)


def test_four_trickling_peers_hold_a_tick_for_one_deadline_not_four():
    deadline = 2.0
    with TrickleServer(interval=0.2, lasts=60) as peer:
        notifiers = [Webhook(peer.url + "/a", deadline=deadline),
                     Webhook(peer.url + "/b", deadline=deadline),
                     Alertmanager(peer.url.removesuffix("/hook") + "/c", deadline=deadline),
                     Alertmanager(peer.url.removesuffix("/hook") + "/d", deadline=deadline)]
        outbox = Outbox()
        enqueue(outbox, host="web1", alerts=[LOGIN], states=[STATE], notifiers=notifiers,
                now=T0, tick=1, max_per_hour=10)
        started = time.monotonic()
        report = flush(outbox, notifiers, now=T0, tick=1, ticks_per_hour=60)
        held = time.monotonic() - started
    assert (report.sent, report.kept) == (0, 4)  # every message and post is kept
    assert held < 4 * deadline - 1  # one after the other they would take 8 s at least


def test_sigkill_mid_post_loses_no_alertmanager_alert(tmp_path):
    scenario = str(tmp_path / "logins")
    write_login_storm(scenario, 2)
    with TrickleServer(interval=0.5, lasts=60) as am:
        url = am.url.removesuffix("/hook")
        config = tmp_path / "credentials.yml"
        config.write_text(f"alertmanager:\n  urls: [{json.dumps(url)}]\n")
        state = tmp_path / "memory.json"
        child = subprocess.Popen(ttalertd_command("--once", "--replay", scenario, "--config",
                                                  str(config), "--state", str(state)),
                                 env=cli_env(), cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            end = time.monotonic() + 30
            while am.connections == 0:  # the post is under way
                assert child.poll() is None and time.monotonic() < end, "no post was made"
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
    [entry] = json.loads(state.read_text())["alertmanager"]["entries"]
    summaries = [dict(s["annotations"])["summary"] for s in entry["states"]]
    assert entry["key"] == f"alertmanager:{url}"
    assert summaries == ["user1 logged on pts/1 from 10.0.0.1"]
