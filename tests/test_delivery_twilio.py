"""Delivery end to end: the outbox, the real twilio library, the loopback stand-in's faults."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from cli_support import cli_env
from twilio_standin import Fault, TwilioStandin

from ttalertd.alert import Alert
from ttalertd.notifiers import TwilioSMS
from ttalertd.notify.delivery import Outbox, enqueue, flush
from ttalertd.notify.message import Message

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "tok3n-s3cr3t-9f8e7d6c5b4a"
T0 = 1_700_000_000.0
ALERT = Alert(kind="cpu", text="4242 bob 99.5% python3 python3 spin.py", key="cpu:python3")
MESSAGE = Message("web1", "web1\n" + ALERT.text, (ALERT,))
# a retry at a later tick says since when the message was kept
KEPT = f"web1\n{ALERT.text}"  # a kept message is retried as it was


@pytest.fixture
def standin():
    with TwilioStandin(credentials={SID: TOKEN}) as server:
        yield server


def phone(url: str, timeout: float = 10.0) -> TwilioSMS:
    return TwilioSMS(SID, TOKEN, "+15551234567", from_="+18885551234", api_url=url,
                     timeout=timeout)


def queued(notifier: TwilioSMS) -> Outbox:
    outbox = Outbox()
    enqueue(outbox, host="web1", alerts=[ALERT], notifiers=[notifier], now=T0, tick=0,
            max_per_hour=10)
    return outbox


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_message_queued_during_an_outage_is_delivered_exactly_once(standin):
    sms = phone(standin.url)
    standin.stop()  # Twilio is down: connections refused
    outbox = queued(sms)
    tried_down = []
    for tick in range(12):
        if tick == 5:
            standin.start()  # back, on the same port
        report = flush(outbox, [sms], now=T0 + 60 * tick, tick=tick, ticks_per_hour=60)
        if tick < 5:
            assert report.kept == 1 and report.undelivered
            tried_down.append(outbox.entries[sms.key].attempts)
    assert tried_down == [1, 2, 2, 3, 3]  # tries at ticks 0, 1, 3: the backoff
    assert outbox.entries == {}
    assert [r.body for r in standin.received] == [KEPT]  # ticks 5..11: once only


@pytest.mark.parametrize("fault", [
    Fault(500, None, "Internal Server Error"),
    Fault(503, 20503, "Service Unavailable"),
    Fault(429, 20429, "Too Many Requests", retry_after="1"),
])
def test_transient_answers_are_kept_with_backoff_then_delivered(standin, fault, caplog):
    sms = phone(standin.url)
    caplog.set_level(logging.WARNING)
    outbox = queued(sms)
    standin.fault = fault
    report = flush(outbox, [sms], now=T0, tick=0, ticks_per_hour=60)
    assert (report.sent, report.kept, report.refused) == (0, 1, 0)
    assert outbox.entries[sms.key].next_try_tick == 1
    assert str(fault.status) in caplog.text
    standin.fault = None
    report = flush(outbox, [sms], now=T0 + 60, tick=1, ticks_per_hour=60)
    assert report.sent == 1 and not report.undelivered
    assert [r.body for r in standin.received] == [KEPT]


def test_refused_connection_is_kept():
    sms = phone(closed_port_url())
    outbox = queued(sms)
    report = flush(outbox, [sms], now=T0, tick=0, ticks_per_hour=60)
    assert report.kept == 1 and outbox.entries[sms.key].attempts == 1


def test_a_hang_past_the_timeout_is_kept(standin):
    standin.hang = True
    sms = phone(standin.url, timeout=2.0)
    outbox = queued(sms)
    report = flush(outbox, [sms], now=T0, tick=0, ticks_per_hour=60)
    assert report.kept == 1 and outbox.entries[sms.key].next_try_tick == 1
    standin.hang = False
    assert flush(outbox, [sms], now=T0 + 60, tick=1, ticks_per_hour=60).sent == 1
    assert len(standin.received) == 1


def test_400_21211_is_refused_for_good_and_logged_once_with_code(standin, caplog):
    caplog.set_level(logging.DEBUG)
    standin.fault = Fault(400, 21211, "The 'To' number +15551234567 is not a valid phone number.")
    sms = phone(standin.url)
    outbox = queued(sms)
    report = flush(outbox, [sms], now=T0, tick=0, ticks_per_hour=60)
    assert (report.sent, report.kept, report.refused) == (0, 0, 1) and report.undelivered
    for tick in range(1, 6):
        flush(outbox, [sms], now=T0 + 60 * tick, tick=tick, ticks_per_hour=60)
    assert standin.attempts == 1  # never retried
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "21211" in errors[0] and "not a valid phone number" in errors[0]
    assert ALERT.text in errors[0]
    assert TOKEN not in caplog.text


def test_crash_after_the_send_before_the_save_sends_twice_never_zero(standin, tmp_path):
    # the state saved after enqueue still holds the entry, so a restart sends it again
    sms = phone(standin.url)
    outbox = queued(sms)
    saved = json.dumps(outbox.to_json())
    flush(outbox, [sms], now=T0, tick=0, ticks_per_hour=60)  # sent; then "killed" before saving
    restarted = Outbox.from_json(json.loads(saved))
    flush(restarted, [phone(standin.url)], now=T0 + 60, tick=1, ticks_per_hour=60)
    assert [r.body for r in standin.received] == [MESSAGE.text, KEPT]


CHILD = f"""
import json, sys
from ttalertd.notify.delivery import Outbox, enqueue, flush
from ttalertd.notifiers import TwilioSMS
from ttalertd.alert import Alert
url, state = sys.argv[1], sys.argv[2]
sms = TwilioSMS({SID!r}, {TOKEN!r}, "+15551234567", from_="+18885551234", api_url=url,
                timeout=120)
outbox = Outbox()
enqueue(outbox, host="web1", alerts=[Alert("load", "load 9.99 5.00 2.00", "load")],
        notifiers=[sms], now={T0}, tick=0, max_per_hour=10)
with open(state, "w") as f:  # what the runner saves after enqueue, before the first try
    json.dump(outbox.to_json(), f)
flush(outbox, [sms], now={T0}, tick=0, ticks_per_hour=60)
"""


def test_sigkill_mid_send_then_restart_delivers(standin, tmp_path):
    state = tmp_path / "outbox.json"
    standin.hang = True  # the send is in flight when the kill comes
    child = subprocess.Popen([sys.executable, "-c", CHILD, standin.url, str(state)],
                             env=cli_env(), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while standin.attempts == 0:  # wait for the request to reach the stand-in
            assert child.poll() is None, "the sender exited before sending"
            assert time.monotonic() < deadline, "the sender never reached the stand-in"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    standin.hang = False
    assert standin.received == []
    outbox = Outbox.from_json(json.loads(state.read_text()))
    report = flush(outbox, [phone(standin.url)], now=T0 + 60, tick=1, ticks_per_hour=60)
    assert report.sent == 1
    assert [r.body for r in standin.received] == [
        "web1\nload 9.99 5.00 2.00"]
