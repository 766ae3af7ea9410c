"""Delivery: rate limit, outbox, backoff, age-out, permanent refusals, JSON tolerance."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from ttalertd.notifiers import ConsoleNotifier, DeliveryError
from ttalertd.notify import retry
from ttalertd.notify.delivery import FlushReport, Outbox, enqueue, flush
from ttalertd.notify.message import Message, compose
from ttalertd.rules.alert import Alert

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


class Recorder:
    """A notifier stand-in for delivery tests: records sends, raises `fail` when set."""

    def __init__(self, key: str = "sms:+15551234567", *, rate_limited: bool = True) -> None:
        self.key = key
        self.rate_limited = rate_limited
        self.fail: Exception | None = None
        self.sent: list[str] = []
        self.tries = 0

    def send(self, message: Message) -> None:
        self.tries += 1
        if self.fail is not None:
            raise self.fail
        self.sent.append(message.text)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def message(n: int, alerts: int = 1) -> Message:
    lines = tuple(Alert(kind="load", text=f"load {n}.{i}", key="load") for i in range(alerts))
    return Message("web1", "\n".join(["web1"] + [a.text for a in lines]), lines)


def send_one(outbox, msg, notifiers, now, tick=0, max_per_hour=10):
    out = enqueue(outbox, msg, notifiers, now=now, tick=tick, max_per_hour=max_per_hour)
    report = flush(outbox, notifiers, now=now, tick=tick, ticks_per_hour=60)
    return out, report


def test_eleventh_message_held_then_summarised_in_the_next_that_may_go(caplog):
    phone, outbox = Recorder(), Outbox()
    for i in range(10):
        out, _ = send_one(outbox, message(i), [phone], T0 + 60 * i)
        assert out is not None
    caplog.set_level(logging.WARNING)
    assert send_one(outbox, message(10, alerts=2), [phone], T0 + 700)[0] is None  # 22:25
    assert send_one(outbox, message(11), [phone], T0 + 800)[0] is None
    assert len(phone.sent) == 10
    assert "load 10.1" in caplog.text and "load 11.0" in caplog.text  # held, logged in full
    # an hour after the first send, one slot frees up: 3 held alerts are summarised
    out, _ = send_one(outbox, message(12), [phone], T0 + 3600)
    assert out is not None
    assert phone.sent[-1] == "web1\nload 12.0\nand 3 more alerts since 22:25"
    # the next one is held again (the window is full once more), then the count starts afresh
    assert send_one(outbox, message(13), [phone], T0 + 3601)[0] is None
    out, _ = send_one(outbox, message(14), [phone], T0 + 3660)
    assert phone.sent[-1] == "web1\nload 14.0\nand 1 more alerts since 23:13"


def test_one_message_counts_once_however_many_notifiers():
    notifiers = [Recorder("sms:+1"), Recorder("sms:+2"), Recorder("webhook:http://x")]
    outbox = Outbox()
    for i in range(10):
        assert send_one(outbox, message(i), notifiers, T0 + i)[0] is not None
    assert send_one(outbox, message(10), notifiers, T0 + 20)[0] is None
    assert [len(n.sent) for n in notifiers] == [10, 10, 10]


def test_a_destination_listed_twice_gets_one_copy():
    phone, twin, outbox = Recorder(), Recorder(), Outbox()
    send_one(outbox, message(0), [phone, twin], T0)
    assert phone.sent + twin.sent == [message(0).text] and outbox.entries == []


def test_console_counts_too():
    out, outbox = io.StringIO(), Outbox()
    console = ConsoleNotifier(out)
    for i in range(4):
        send_one(outbox, message(i), [console], T0 + i, max_per_hour=3)
    assert out.getvalue().count("web1\n") == 3


def test_alertmanager_style_notifier_is_not_limited():
    phone, am = Recorder(), Recorder("alertmanager:http://am", rate_limited=False)
    outbox = Outbox()
    for i in range(3):
        send_one(outbox, message(i), [phone, am], T0 + i, max_per_hour=2)
    assert len(phone.sent) == 2
    assert am.sent == [message(i).text for i in range(3)]  # unchanged, never summarised


def test_summary_keeps_the_message_within_1600_characters():
    outbox = Outbox(sent_times=[T0], held_alerts=5, held_since=T0)
    lines = [f"line {i:04d} " + "x" * 80 for i in range(30)]
    alerts = tuple(Alert("login", line, f"login:{i}") for i, line in enumerate(lines))
    big = Message("web1", compose("web1", lines), alerts)
    out = enqueue(outbox, big, [Recorder()], now=T0 + 3601, tick=1, max_per_hour=10)
    assert len(out.text) <= 1600
    assert out.text.startswith("web1\nline 0000")
    *shown, summary, marker = out.text.split("\n")
    # a cut message still ends with "(+N more)"; the summary stands just before it
    assert summary == "and 5 more alerts since 22:13"
    assert marker == f"(+{30 - (len(shown) - 1)} more)" and shown[1:] == lines[: len(shown) - 1]


def test_backoff_schedule_is_exact_and_capped():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    enqueue(outbox, message(0), [phone], now=T0, tick=0, max_per_hour=10)
    tried_at = []
    for tick in range(100):
        before = phone.tries
        report = flush(outbox, [phone], now=T0 + tick, tick=tick, ticks_per_hour=20)
        assert report.kept == 1 and report.undelivered
        if phone.tries > before:
            tried_at.append(tick)
    # waits 1, 2, 4, 8, 16, then capped at 20 ticks (an hour's worth)
    assert tried_at == [0, 1, 3, 7, 15, 31, 51, 71, 91]
    assert outbox.entries[0].attempts == 9


def test_retry_after_longer_than_the_backoff_is_honoured():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("429", permanent=False, retry_after=300)
    enqueue(outbox, message(0), [phone], now=T0, tick=10, max_per_hour=10)
    flush(outbox, [phone], now=T0, tick=10, ticks_per_hour=60)  # one tick a minute
    assert outbox.entries[0].next_try_tick == 15


def test_undelivered_for_24_hours_is_dropped_with_its_text(caplog):
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    enqueue(outbox, message(7), [phone], now=T0, tick=0, max_per_hour=10)
    enqueue(outbox, message(8), [Recorder("sms:+999")], now=T0, tick=0, max_per_hour=10)
    report = flush(outbox, [phone], now=T0 + 24 * 3600, tick=5000, ticks_per_hour=60)
    assert report.dropped == 0 and len(outbox.entries) == 2
    caplog.set_level(logging.ERROR)
    report = flush(outbox, [phone], now=T0 + 24 * 3600 + 1, tick=5001, ticks_per_hour=60)
    assert report.dropped == 2 and outbox.entries == []  # the inactive key's entry ages out too
    assert report.undelivered
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("load 7.0" in e for e in errors) and any("load 8.0" in e for e in errors)


def test_permanent_refusal_is_dropped_and_logged_once(caplog):
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("twilio HTTP 400, error 21211: invalid To", permanent=True)
    caplog.set_level(logging.INFO)
    enqueue(outbox, message(0), [phone], now=T0, tick=0, max_per_hour=10)
    report = flush(outbox, [phone], now=T0, tick=0, ticks_per_hour=60)
    assert (report.sent, report.kept, report.refused, report.dropped) == (0, 0, 1, 0)
    assert report.undelivered and outbox.entries == []
    for tick in range(1, 5):
        assert not flush(outbox, [phone], now=T0 + tick, tick=tick, ticks_per_hour=60).undelivered
    assert phone.tries == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "21211" in errors[0] and "load 0.0" in errors[0]


def test_entries_of_inactive_notifiers_are_left_alone():
    phone, console, outbox = Recorder(), ConsoleNotifier(io.StringIO()), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    enqueue(outbox, message(0), [phone], now=T0, tick=0, max_per_hour=10)
    flush(outbox, [phone], now=T0, tick=0, ticks_per_hour=60)
    for tick in range(1, 10):  # --dry-run: only the console is active
        report = flush(outbox, [console], now=T0 + tick, tick=tick, ticks_per_hour=60)
        assert report == FlushReport() and not report.undelivered
    assert phone.tries == 1 and len(outbox.entries) == 1


def test_a_transient_failure_ends_the_keys_turn_and_a_success_releases_its_queue():
    phone, outbox = Recorder(), Outbox()
    phone.fail = DeliveryError("down", permanent=False)
    for i in range(3):
        enqueue(outbox, message(i), [phone], now=T0 + i, tick=0, max_per_hour=10)
    report = flush(outbox, [phone], now=T0 + 3, tick=0, ticks_per_hour=60)
    assert phone.tries == 1 and report.kept == 3  # one try on a dead endpoint per flush
    flush(outbox, [phone], now=T0 + 4, tick=1, ticks_per_hour=60)
    assert phone.tries == 2
    phone.fail = None
    enqueue(outbox, message(3), [phone], now=T0 + 5, tick=2, max_per_hour=10)
    report = flush(outbox, [phone], now=T0 + 5, tick=2, ticks_per_hour=60)
    # the oldest two wait for their backoff, the newest is due; its success frees the rest
    assert report.sent == 4 and report.kept == 0 and outbox.entries == []
    assert sorted(phone.sent) == sorted(message(i).text for i in range(4))


def test_a_notifier_bug_keeps_the_message():
    phone, outbox = Recorder(), Outbox()
    phone.fail = RuntimeError("bug")
    enqueue(outbox, message(0), [phone], now=T0, tick=0, max_per_hour=10)
    report = flush(outbox, [phone], now=T0, tick=0, ticks_per_hour=60)
    assert report.kept == 1 and outbox.entries[0].attempts == 1


def test_a_next_try_beyond_any_backoff_is_due_now():
    # the tick counter restarted (state reset): waiting 10^6 ticks would lose the message
    phone, outbox = Recorder(), Outbox()
    enqueue(outbox, message(0), [phone], now=T0, tick=0, max_per_hour=10)
    outbox.entries[0].next_try_tick = 1_000_000
    assert flush(outbox, [phone], now=T0, tick=3, ticks_per_hour=60).sent == 1


def test_outbox_json_round_trip():
    phone, am = Recorder(), Recorder("alertmanager:http://am", rate_limited=False)
    phone.fail = DeliveryError("down", permanent=False)
    outbox = Outbox()
    alert = Alert(kind="disk", text="disk /var: 3% free", key="disk:/var",
                  labels=(("mountpoint", "/var"),), starts_at=T0 - 5)
    enqueue(outbox, Message("web1", "web1\ndisk /var: 3% free", (alert,)), [phone, am],
            now=T0, tick=4, max_per_hour=1)
    enqueue(outbox, message(1), [phone], now=T0 + 1, tick=4, max_per_hour=1)  # held
    flush(outbox, [phone], now=T0 + 1, tick=4, ticks_per_hour=60)
    data = json.loads(json.dumps(outbox.to_json()))
    again = Outbox.from_json(data)
    assert again.to_json() == outbox.to_json()
    assert again.held_alerts == 1 and again.held_since == T0 + 1
    assert again.entries[0].message().alerts == (alert,)
    assert again.entries[0].attempts == 1 and again.entries[0].next_try_tick == 5


@pytest.mark.parametrize("garbage", [
    None, [], "x", 42, {"entries": "nope"}, {"entries": [1, "a", None, {"key": 3}]},
    {"sent_times": ["a", None]}, {"held_alerts": "many", "held_since": []},
    {"entries": [{"key": "sms:+1", "host": "h", "text": "t", "created": "yesterday",
                  "attempts": 0, "next_try_tick": 0}]},
])
def test_garbage_outbox_json_starts_fresh(garbage):
    outbox = Outbox.from_json(garbage)
    assert outbox.entries == [] and outbox.held_alerts == 0
    assert json.dumps(outbox.to_json())


def test_a_bad_entry_costs_only_itself():
    good = {"key": "sms:+1", "host": "h", "text": "h\nload", "created": T0, "attempts": 2,
            "next_try_tick": 9, "alerts": [{"kind": "load", "text": "load"}, "junk"]}
    outbox = Outbox.from_json({"entries": [good, {"key": "sms:+1"}], "sent_times": [T0]})
    assert [e.text for e in outbox.entries] == ["h\nload"]
    assert len(outbox.entries[0].alerts) == 1 and outbox.sent_times == [T0]


def test_backoff_ticks():
    assert [retry.backoff_ticks(n, 60) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert retry.backoff_ticks(10_000, 60) == 60
