"""Alertmanager: the v2 JSON of a tick's alert states, and its posts through the one outbox
against a loopback stand-in (kept, merged, retried, refused)."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from am_capture import Capture

from ttalertd.alert import Alert
from ttalertd.notifiers.alertmanager import Alertmanager, postable, rfc3339, tick_states
from ttalertd.notify.delivery import FlushReport, Outbox, enqueue, flush

T0 = 1764072000.0  # 2025-11-25T12:00:00Z
INTERVAL = 60.0
HOST = "web1"
OPS = (("team", "ops"), ("user", "never-replaces-ttalertds-own"))


def tick_alerts(firing, resolved, events, host, extra, **times):
    """(key, postable JSON) of each state of one tick."""
    return [(s.key, postable(s)) for s in tick_states(firing, resolved, events, host, extra,
                                                      **times)]


LOAD = Alert("load", "load average 3.52 2.10 1.30 (limit 1.2)", "load", starts_at=T0 - 120)
CPU = Alert("cpu", "cpu 99.5% pid 4242 bob python3: python3 spin.py", "cpu:python3",
            labels=(("process", "python3"),), starts_at=T0 - 60)
DISK_BACK = Alert("disk", "disk /var back to normal: 12% free", "disk:/var", recovery=True,
                  labels=(("mountpoint", "/var"),))
LOGIN = Alert("login", "alice logged on pts/0 from 10.0.0.5", "login:alice|pts/0|10.0.0.5",
              labels=(("user", "alice"), ("line", "pts/0"), ("remote_host", "10.0.0.5")),
              starts_at=T0)
LOCAL = Alert("logout", "bob logged off tty1", "logout:bob|tty1|",
              labels=(("user", "bob"), ("line", "tty1")), starts_at=T0)
REBOOT = Alert("reboot", "rebooted at 2025-11-25 11:58", "reboot:b1", starts_at=T0 - 100)


def test_rfc3339_is_utc_with_milliseconds():
    assert rfc3339(T0) == "2025-11-25T12:00:00.000Z"
    assert rfc3339(T0 + 1.2345) == "2025-11-25T12:00:01.234Z"


def test_the_json_of_one_tick_exactly():
    started = {"disk:/var": T0 - 600}  # the disk alert fired ten ticks ago
    got = tick_alerts([LOAD, CPU], [DISK_BACK], [LOGIN, LOCAL, REBOOT], HOST, OPS,
                      sample_time=T0, alert_interval=INTERVAL, started=started)
    base = {"instance": HOST}
    assert got == [
        ("load", {
            "labels": {"alertname": "TTAlertLoad", **base, "severity": "warning", "team": "ops",
                       "user": "never-replaces-ttalertds-own"},
            "annotations": {"summary": "load average 3.52 2.10 1.30 (limit 1.2)"},
            "startsAt": "2025-11-25T11:58:00.000Z", "endsAt": "2025-11-25T12:04:00.000Z"}),
        ("cpu:python3", {
            "labels": {"alertname": "TTAlertCPU", **base, "severity": "warning",
                       "process": "python3", "team": "ops",
                       "user": "never-replaces-ttalertds-own"},
            "annotations": {"summary": "cpu 99.5% pid 4242 bob python3: python3 spin.py"},
            "startsAt": "2025-11-25T11:59:00.000Z", "endsAt": "2025-11-25T12:04:00.000Z"}),
        ("disk:/var", {
            "labels": {"alertname": "TTAlertDisk", **base, "severity": "warning",
                       "mountpoint": "/var", "team": "ops",
                       "user": "never-replaces-ttalertds-own"},
            "annotations": {"summary": "disk /var back to normal: 12% free"},
            "startsAt": "2025-11-25T11:50:00.000Z", "endsAt": "2025-11-25T12:00:00.000Z"}),
        ("login:alice|pts/0|10.0.0.5", {
            "labels": {"alertname": "TTAlertLogin", **base, "severity": "info", "user": "alice",
                       "line": "pts/0", "remote_host": "10.0.0.5", "team": "ops"},
            "annotations": {"summary": "alice logged on pts/0 from 10.0.0.5"},
            "startsAt": "2025-11-25T12:00:00.000Z", "endsAt": "2025-11-25T12:01:00.000Z"}),
        ("logout:bob|tty1|", {
            "labels": {"alertname": "TTAlertLogout", **base, "severity": "info", "user": "bob",
                       "line": "tty1", "team": "ops"},
            "annotations": {"summary": "bob logged off tty1"},
            "startsAt": "2025-11-25T12:00:00.000Z", "endsAt": "2025-11-25T12:01:00.000Z"}),
        ("reboot:b1", {
            "labels": {"alertname": "TTAlertReboot", **base, "severity": "info", "team": "ops",
                       "user": "never-replaces-ttalertds-own"},
            "annotations": {"summary": "rebooted at 2025-11-25 11:58"},
            "startsAt": "2025-11-25T12:00:00.000Z", "endsAt": "2025-11-25T12:01:00.000Z"}),
    ]
    assert started == {"load": T0 - 120, "cpu:python3": T0 - 60}  # the recovered one is gone


def test_a_recovery_without_a_start_of_its_own_gets_its_firing_start_or_now():
    load_back = Alert("load", "load back to normal: 1.20 1.10 0.70", "load", recovery=True)
    started: dict[str, float] = {}
    tick_alerts([LOAD], [], [], HOST, (), sample_time=T0, alert_interval=INTERVAL,
                started=started)
    [(_, alert)] = tick_alerts([], [load_back], [], HOST, (), sample_time=T0 + 60,
                               alert_interval=INTERVAL, started=started)
    assert (alert["startsAt"], alert["endsAt"]) == ("2025-11-25T11:58:00.000Z",
                                                    "2025-11-25T12:01:00.000Z")
    [(_, alert)] = tick_alerts([], [load_back], [], HOST, (), sample_time=T0,
                               alert_interval=INTERVAL, started={})
    assert alert["startsAt"] == alert["endsAt"] == "2025-11-25T12:00:00.000Z"


# --- posting through the outbox, against the loopback stand-in -----------------------------

TOKEN = "s3cret-bearer-token"


def free_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class Poster:
    """The runner's Alertmanager path: a tick's states enqueued for every URL, then flushed."""

    def __init__(self, urls, token=None, outbox=None) -> None:
        self.notifiers = [Alertmanager(url, bearer_token=token, deadline=5.0) for url in urls]
        self.outbox = outbox or Outbox()

    def post(self, firing=(), resolved=(), events=(), *, sample_time, tick, ticks_per_hour=60
             ) -> FlushReport:
        states = tick_states(firing, resolved, events, HOST, (("team", "ops"),),
                             sample_time=sample_time, alert_interval=INTERVAL,
                             started=self.outbox.started)
        enqueue(self.outbox, host=HOST, alerts=[], states=states, notifiers=self.notifiers,
                now=sample_time, tick=tick, max_per_hour=10)
        return flush(self.outbox, self.notifiers, now=sample_time, tick=tick,
                     ticks_per_hour=ticks_per_hour)

    def kept(self):
        return list(self.outbox.entries.values())


def names(post) -> list[str]:
    return [a["labels"]["alertname"] for a in post.body]


@pytest.fixture
def am():
    with Capture() as first, Capture() as second:
        yield first, second


def test_both_urls_get_every_alert_with_the_token_and_it_is_never_logged(am, caplog):
    caplog.set_level(logging.DEBUG)
    first, second = am
    p = Poster([first.url, second.url + "/"], token=TOKEN)
    report = p.post([LOAD, CPU], events=[LOGIN], sample_time=T0, tick=1)
    assert (report.sent, report.kept, report.undelivered) == (2, 0, False)
    for capture in am:
        [post] = capture.posts
        assert post.path == "/api/v2/alerts"
        assert post.headers["Authorization"] == f"Bearer {TOKEN}"
        assert post.headers["Content-Type"] == "application/json"
        assert names(post) == ["TTAlertLoad", "TTAlertCPU", "TTAlertLogin"]
    assert p.kept() == []
    first.statuses = [500]
    second.statuses = [400]
    p.post([LOAD], sample_time=T0 + 60, tick=2)
    saved = json.dumps(p.outbox.alertmanager_json())
    assert TOKEN not in caplog.text and TOKEN not in saved


def test_down_keeps_merged_posts_and_delivers_them_when_back():
    down = free_url()
    p = Poster([down])
    assert p.post([LOAD], events=[LOGIN], sample_time=T0, tick=1).kept == 1
    [entry] = p.kept()
    assert (entry.attempts, entry.next_try_tick) == (1, 2)
    # tick 2: tried again, the load condition's newer state replaces the kept one
    assert p.post([LOAD, CPU], events=[LOCAL], sample_time=T0 + 60, tick=2).kept == 1
    assert (entry.attempts, entry.next_try_tick) == (2, 4)
    with Capture(port=int(down.rsplit(":", 1)[1])) as back:  # the Alertmanager is back
        p.post([CPU], resolved=[DISK_BACK], sample_time=T0 + 120, tick=3)
        assert p.post([CPU], sample_time=T0 + 180, tick=4).kept == 0
    first, second = back.posts
    # the undelivered events, plus the latest state of each condition
    assert names(first) == ["TTAlertLoad", "TTAlertLogin", "TTAlertCPU", "TTAlertLogout",
                            "TTAlertDisk"]
    assert first.body[0]["endsAt"] == rfc3339(T0 + 60 + 4 * INTERVAL)
    assert first.body[2]["endsAt"] == rfc3339(T0 + 120 + 4 * INTERVAL)
    assert names(second) == ["TTAlertCPU"]
    assert p.kept() == []


def test_backoff_is_capped_at_an_hour_of_ticks_and_a_day_old_post_is_dropped(caplog):
    p = Poster([free_url()])
    p.post(events=[LOGIN], sample_time=T0, tick=1, ticks_per_hour=10)
    tick, nexts = 1, []
    for _ in range(6):  # nothing new: the backoff decides
        [entry] = p.kept()
        tick = entry.next_try_tick
        nexts.append(tick)
        p.post(sample_time=T0 + tick, tick=tick, ticks_per_hour=10)
    assert nexts == [2, 4, 8, 16, 26, 36]
    report = p.post(sample_time=T0 + 24 * 3600 + 2, tick=tick, ticks_per_hour=10)
    assert (report.dropped, report.kept, report.undelivered) == (1, 0, True)
    assert "dropped 1 alerts undelivered" in caplog.text and LOGIN.text in caplog.text


def test_a_400_is_refused_for_good_and_logged_with_its_body(am, caplog):
    first, _ = am
    first.statuses = [400]
    p = Poster([first.url])
    report = p.post([LOAD], events=[LOGIN], sample_time=T0, tick=1)
    assert (report.refused, report.kept) == (1, 0) and first.posts == []
    assert "HTTP 400" in caplog.text and '"message":"bad alert"' in caplog.text
    assert not p.post([LOAD], sample_time=T0 + 60, tick=2).undelivered
    assert names(first.posts[0]) == ["TTAlertLoad"]  # the refused login is not sent again
    assert first.answers == [400, 200]


def test_429_and_5xx_are_kept(am):
    first, _ = am
    first.statuses = [429, 503]
    p = Poster([first.url])
    assert p.post(events=[LOGIN], sample_time=T0, tick=1).kept == 1
    assert p.post(sample_time=T0 + 60, tick=2).kept == 1
    assert p.post(sample_time=T0 + 120, tick=4).kept == 0
    assert first.answers == [429, 503, 200] and names(first.posts[0]) == ["TTAlertLogin"]


def test_malformed_kept_state_is_dropped_not_fatal(am):
    first, _ = am
    outbox = Outbox.from_json({}, {"entries": [{"key": "x", "states": "garbage"}], "started": 3})
    p = Poster([first.url], outbox=outbox)
    assert p.post([LOAD], sample_time=T0, tick=1).kept == 0
    assert names(first.posts[0]) == ["TTAlertLoad"]


def test_a_backlog_goes_in_batches_of_at_most_a_thousand_alerts(am):
    first, _ = am
    p = Poster([first.url])
    many = [Alert("login", f"user{n} logged on pts/{n}", f"login:{n}") for n in range(2500)]
    first.statuses = [503]
    assert p.post([LOAD], events=many, sample_time=T0, tick=1).kept == 1
    for tick in (2, 3, 4):
        p.post([LOAD], sample_time=T0 + 60 * tick, tick=tick)
    sizes = [len(post.body) for post in first.posts]
    assert sizes == [1000, 1000, 503]  # the load's latest state rides with every batch
    summaries = [a["annotations"]["summary"] for post in first.posts for a in post.body]
    assert sorted(s for s in summaries if "logged on" in s) == sorted(a.text for a in many)
    assert p.kept() == []
