"""Delivery: the rate limit at delivery, held and merged lines, backoff, age-out, refusals."""

from __future__ import annotations

import io
import logging

import pytest

from ttalertd.alert import Alert
from ttalertd.notifiers import ConsoleNotifier, DeliveryError
from ttalertd.notify import retry
from ttalertd.notify.delivery import FlushReport, Outbox, enqueue, flush, keep
from ttalertd.notify.message import AlertState, Message

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
HOST = "web1"


class Recorder:
    """A notifier stand-in for delivery tests: records sends, raises `fail` when set."""

    def __init__(self, key: str = "sms:+15551234567", *, rate_limited: bool = True,
                 alert_states: bool = False) -> None:
        self.key = key
        self.rate_limited = rate_limited
        self.alert_states = alert_states
        self.fail: Exception | None = None
        self.sent: list[str] = []
        self.messages: list[Message] = []
        self.tries = 0

    def send(self, message: Message) -> None:
        self.tries += 1
        if self.fail is not None:
            raise self.fail
        self.sent.append(message.text)
        self.messages.append(message)


@pytest.fixture(autouse=True)
def _utc(utc):
    """Every test here reads HH:MM in UTC (conftest's utc)."""


def load(n: int) -> Alert:
    return Alert("load", f"load {n}", "load")


def login(n: int) -> Alert:
    return Alert("login", f"user{n} logged on pts/{n} from 10.0.0.{n}", f"login:user{n}")


def tick(outbox, alerts, notifiers, now, n=0, max_per_hour=10, states=()) -> FlushReport:
    """One tick's delivery: enqueue, then flush (the runner saves in between)."""
    enqueue(outbox, host=HOST, alerts=alerts, notifiers=notifiers, now=now, tick=n,
            max_per_hour=max_per_hour, states=states)
    return flush(outbox, notifiers, now=now, tick=n, ticks_per_hour=60, max_per_hour=max_per_hour)


def test_lines_over_the_limit_are_held_then_sent_on_their_own_when_the_hour_has_room(caplog):
    phone, outbox = Recorder(), Outbox()
    for i in range(10):
        tick(outbox, [login(i)], [phone], T0 + 60 * i, i)
    caplog.set_level(logging.WARNING)
    tick(outbox, [login(10), load(1)], [phone], T0 + 700, 10)  # 22:25: the hour is full
    tick(outbox, [load(2)], [phone], T0 + 800, 11)
    assert len(phone.sent) == 10 and outbox.held
    held_logs = [r.getMessage() for r in caplog.records if "held, not sent" in r.getMessage()]
    assert len(held_logs) == 3  # one record per held line, in full
    assert held_logs[0].endswith(login(10).text) and held_logs[2].endswith(": load 2")
    # no new alert comes; the first delivery leaves the hour at T0 + 3600: the held lines go
    tick(outbox, [], [phone], T0 + 3599, 12)
    assert len(phone.sent) == 10
    tick(outbox, [], [phone], T0 + 3600, 13)
    assert phone.sent[-1] == f"{HOST}\nheld since 22:25:\n{login(10).text}\nload 2"
    assert outbox.held == [] and outbox.entries == {}


def test_no_sliding_hour_ever_holds_more_than_the_limit_after_a_five_hour_outage():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("twilio unreachable", permanent=False)
    deliveries: list[float] = []
    for minute in range(8 * 60):  # one tick a minute, a login and a load line every tick
        if minute == 5 * 60:
            phone.fail = None  # Twilio is back after five hours
        before = len(phone.sent)
        tick(outbox, [login(minute), load(minute)], [phone], T0 + 60 * minute, minute)
        deliveries += [T0 + 60 * minute] * (len(phone.sent) - before)
    first = phone.messages[0]
    assert first.text.startswith(f"{HOST}\n{login(0).text}\n")  # one message, not 300
    assert len(first.alerts) == 301 + 1  # every login, and the latest load line only
    assert deliveries[0] == T0 + 300 * 60
    for start in deliveries:
        assert sum(1 for t in deliveries if start <= t < start + 3600) <= 10
    assert len(deliveries) == 30  # 10 in each of the three hours after the outage


def test_a_tick_with_held_lines_and_its_own_sends_them_as_one_message():
    phone, outbox = Recorder(), Outbox()
    for i in range(3):
        tick(outbox, [load(i)], [phone], T0 + i, i, max_per_hour=3)
    tick(outbox, [login(1), load(7)], [phone], T0 + 10, 3, max_per_hour=3)  # held
    tick(outbox, [login(2), load(8)], [phone], T0 + 3601, 4, max_per_hour=3)
    lines = [HOST, "held since 22:13:", login(1).text, login(2).text, "load 8"]
    assert phone.sent[-1] == "\n".join(lines)


def test_merged_lines_keep_every_login_and_the_latest_of_each_condition_reboot_first():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    back = Alert("load", "load back to normal", "load", recovery=True)
    reboot = Alert("reboot", "rebooted at 2023-11-14 22:00", "reboot:b")
    disk = Alert("disk", "disk /var: 3% free", "disk:/var")
    for n, alerts in enumerate([[load(1), disk], [login(1), load(2)], [back], [load(3), reboot],
                                [login(2)]]):
        tick(outbox, alerts, [phone], T0 + 60 * n, n)
    phone.fail = None
    tick(outbox, [], [phone], T0 + 600, 30)  # nothing new: at the end of the backoff
    lines = [HOST, reboot.text, login(1).text, login(2).text, "load 2",
             disk.text, back.text, "load 3"]
    assert phone.sent == ["\n".join(lines)]


def test_one_message_counts_once_however_many_notifiers():
    notifiers = [Recorder("sms:+1"), Recorder("sms:+2"), Recorder("webhook:http://x")]
    outbox = Outbox()
    for i in range(11):
        tick(outbox, [load(i)], notifiers, T0 + i, i)
    assert [len(n.sent) for n in notifiers] == [10, 10, 10]
    assert [line.alert.text for line in outbox.held] == ["load 10"]


def test_a_destination_listed_twice_gets_one_copy():
    phone, twin, outbox = Recorder(), Recorder(), Outbox()
    tick(outbox, [load(0)], [phone, twin], T0)
    assert phone.sent + twin.sent == [f"{HOST}\nload 0"] and outbox.entries == {}


def test_console_counts_too():
    out, outbox = io.StringIO(), Outbox()
    console = ConsoleNotifier(out)
    for i in range(4):
        tick(outbox, [login(i)], [console], T0 + i, i, max_per_hour=3)
    assert out.getvalue().count(f"{HOST}\n") == 3


def test_a_full_hour_is_no_try_and_no_failure_for_a_kept_message():
    phone, outbox = Recorder(), Outbox()
    outbox.sent_times = [T0] * 10
    keep_for(outbox, phone, [load(1)], T0 - 100)
    report = flush(outbox, [phone], now=T0 + 60, tick=1, ticks_per_hour=60, max_per_hour=10)
    assert phone.tries == 0 and report.kept == 1 and outbox.entries[phone.key].attempts == 0
    flush(outbox, [phone], now=T0 + 3600, tick=60, ticks_per_hour=60, max_per_hour=10)
    assert phone.sent == [f"{HOST}\nload 1"]


def keep_for(outbox, notifier, alerts, now, n=0):
    keep(outbox, notifier.key, HOST, alerts=alerts, now=now, tick=n)


def test_alertmanager_states_are_not_limited_and_merge_events_and_latest_conditions():
    phone, am = Recorder(), Recorder("alertmanager:http://am", rate_limited=False,
                                     alert_states=True)
    am.fail = DeliveryError("down", permanent=False)
    outbox = Outbox()

    def state(key, event, summary):
        return AlertState(key, event, (("alertname", "X"),), (("summary", summary),), T0, T0 + 1)
    for i in range(3):
        tick(outbox, [load(i)], [phone, am], T0 + i, i, max_per_hour=2,
             states=[state("load", False, f"load {i}"), state(f"login:{i}", True, f"login {i}")])
    assert len(phone.sent) == 2 and am.tries == 3
    am.fail = None
    tick(outbox, [], [phone, am], T0 + 60, 10, max_per_hour=2)  # nothing new: after the backoff
    [message] = am.messages
    assert [s.summary for s in message.states] == ["load 2", "login 0", "login 1", "login 2"]


def test_a_cut_line_is_logged_in_full_and_stays_in_the_alerts(caplog):
    phone, outbox = Recorder("webhook:http://x"), Outbox()
    alerts = [login(i) for i in range(200)]
    caplog.set_level(logging.INFO)
    tick(outbox, alerts, [phone], T0)
    [message] = phone.messages
    assert len(message.text) <= 1600 and message.text.endswith("more)")
    assert message.alerts == tuple(alerts)  # the webhook's "alerts" list has every line
    logged = caplog.text
    assert login(199).text in logged and "cut from the message" in logged


def test_backoff_schedule_is_exact_and_capped():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    keep_for(outbox, phone, [load(0)], T0)
    tried_at = []
    for n in range(100):
        before = phone.tries
        report = flush(outbox, [phone], now=T0 + n, tick=n, ticks_per_hour=20)
        assert report.kept == 1 and report.undelivered
        if phone.tries > before:
            tried_at.append(n)
    # waits 1, 2, 4, 8, 16, then capped at 20 ticks (an hour's worth)
    assert tried_at == [0, 1, 3, 7, 15, 31, 51, 71, 91]
    assert outbox.entries[phone.key].attempts == 9


def test_something_new_is_tried_at_once_but_retry_after_binds():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    for n in range(5):
        tick(outbox, [login(n)], [phone], T0 + 60 * n, n)
    assert phone.tries == 5  # a new line each tick: one try each tick, not one per line
    phone.fail = DeliveryError("429", permanent=False, retry_after=300)
    tick(outbox, [login(5)], [phone], T0 + 300, 5)
    for n in range(6, 10):
        tick(outbox, [login(n)], [phone], T0 + 60 * n, n)
    assert phone.tries == 6 and outbox.entries[phone.key].not_before_tick == 10
    phone.fail = None
    tick(outbox, [login(10)], [phone], T0 + 600, 10)
    assert phone.tries == 7 and len(phone.messages[0].alerts) == 11


def test_undelivered_for_24_hours_is_dropped_with_its_text(caplog):
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    keep_for(outbox, phone, [load(7)], T0)
    keep_for(outbox, Recorder("sms:+999"), [load(8)], T0)
    report = flush(outbox, [phone], now=T0 + 24 * 3600, tick=5000, ticks_per_hour=60)
    assert report.dropped == 0 and len(outbox.entries) == 2
    caplog.set_level(logging.ERROR)
    report = flush(outbox, [phone], now=T0 + 24 * 3600 + 1, tick=5001, ticks_per_hour=60)
    assert report.dropped == 2 and outbox.entries == {}  # the inactive key's entry ages out too
    assert report.undelivered
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("load 7" in e for e in errors) and any("load 8" in e for e in errors)


def test_permanent_refusal_is_dropped_and_logged_once(caplog):
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("twilio HTTP 400, error 21211: invalid To", permanent=True)
    caplog.set_level(logging.INFO)
    report = tick(outbox, [load(0)], [phone], T0)
    assert (report.sent, report.kept, report.refused, report.dropped) == (0, 0, 1, 0)
    assert [(key, error.detail) for key, error in report.refusals] == [
        (phone.key, "twilio HTTP 400, error 21211: invalid To")]
    assert report.undelivered and outbox.entries == {}
    for n in range(1, 5):
        assert not flush(outbox, [phone], now=T0 + n, tick=n, ticks_per_hour=60).undelivered
    assert phone.tries == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "21211" in errors[0] and "load 0" in errors[0]


def test_entries_of_inactive_notifiers_are_left_alone():
    phone, console, outbox = Recorder(), ConsoleNotifier(io.StringIO()), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    tick(outbox, [load(0)], [phone], T0)
    for n in range(1, 10):  # --dry-run: only the console is active
        report = flush(outbox, [console], now=T0 + n, tick=n, ticks_per_hour=60)
        assert report == FlushReport() and not report.undelivered
    assert phone.tries == 1 and list(outbox.entries) == [phone.key]


def test_a_notifier_bug_keeps_the_message():
    phone, outbox = Recorder(), Outbox()
    phone.fail = RuntimeError("bug")
    report = tick(outbox, [load(0)], [phone], T0)
    assert report.kept == 1 and outbox.entries[phone.key].attempts == 1


def test_a_next_try_beyond_any_backoff_is_due_now():
    # the tick counter restarted (state reset): waiting 10^6 ticks would lose the message
    phone, outbox = Recorder(), Outbox()
    keep_for(outbox, phone, [load(0)], T0)
    outbox.entries[phone.key].next_try_tick = 1_000_000
    assert flush(outbox, [phone], now=T0, tick=3, ticks_per_hour=60).sent == 1


def test_backoff_ticks():
    assert [retry.backoff_ticks(n, 60) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert retry.backoff_ticks(10_000, 60) == 60
    assert retry.retry_ticks(300, 60) == 5 and retry.retry_ticks(1e9, 60) == 60
