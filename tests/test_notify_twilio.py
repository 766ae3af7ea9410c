"""The Twilio SMS notifier: the real twilio library, real HTTP, a loopback stand-in."""

from __future__ import annotations

import base64
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from cli_support import cli_env
from twilio_standin import Fault, TwilioStandin

from ttalertd.alert import Alert
from ttalertd.config.records import Config, TwilioConfig
from ttalertd.notifiers import DeliveryError, TwilioSMS, build_notifiers, send_test_message
from ttalertd.notifiers.twilio_sms import TwilioAccount, TwilioError, run_twilio
from ttalertd.notify.message import Message

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "tok3n-s3cr3t-9f8e7d6c5b4a"
MESSAGE = Message(
    host="web1",
    text="web1\nload 3.52 2.10 1.30",
    alerts=(Alert(kind="load", text="load 3.52 2.10 1.30", key="load"),),
)


@pytest.fixture
def standin():
    with TwilioStandin(credentials={SID: TOKEN}) as server:
        yield server


def closed_port() -> int:
    """A loopback port nobody listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sms(url: str, to: str = "+15551234567", **kwargs) -> TwilioSMS:
    kwargs.setdefault("from_", "+18885551234")
    return TwilioSMS(SID, TOKEN, to, api_url=url, **kwargs)


def failure(notifier: TwilioSMS) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        notifier.send(MESSAGE)
    return caught.value


def test_one_message_per_to_number_with_from_body_and_basic_auth(standin):
    twilio = TwilioConfig(SID, TOKEN, ("+15551234567", "+15557654321"), from_="+18885551234",
                          api_url=standin.url)
    notifiers = build_notifiers(Config(twilio=twilio), dry_run=False, stdout=sys.stdout)
    assert [n.key for n in notifiers] == ["sms:+15551234567", "sms:+15557654321"]
    for notifier in notifiers:
        notifier.send(MESSAGE)
    assert [r.to for r in standin.received] == ["+15551234567", "+15557654321"]
    for received in standin.received:
        assert received.account_sid == SID
        assert received.from_ == "+18885551234"
        assert received.messaging_service_sid is None
        assert received.body == "web1\nload 3.52 2.10 1.30"
        assert received.auth == (SID, TOKEN)


def test_messaging_service_sid_instead_of_from(standin):
    sms(standin.url, from_=None, messaging_service_sid="MG0123").send(MESSAGE)
    (received,) = standin.received
    assert received.messaging_service_sid == "MG0123"
    assert received.from_ is None


def test_api_url_with_trailing_slash(standin):
    sms(standin.url + "/").send(MESSAGE)
    assert len(standin.received) == 1


def test_refused_connection_is_transient():
    error = failure(sms(f"http://127.0.0.1:{closed_port()}"))
    assert not error.permanent
    assert "unreachable" in error.detail


def test_429_is_transient_with_retry_after(standin):
    standin.fault = Fault(429, 20429, "Too Many Requests", retry_after="120")
    error = failure(sms(standin.url))
    assert not error.permanent
    assert error.retry_after == 120.0
    assert "429" in error.detail and "20429" in error.detail


def test_500_is_transient_without_retry_after(standin):
    standin.fault = Fault(500, None, "Internal Server Error")
    error = failure(sms(standin.url))
    assert not error.permanent
    assert error.retry_after is None


def test_400_21211_is_permanent_with_code_and_message(standin):
    standin.fault = Fault(400, 21211, "The 'To' number +1555 is not a valid phone number.")
    error = failure(sms(standin.url))
    assert error.permanent
    assert "21211" in error.detail
    assert "is not a valid phone number" in error.detail
    assert (error.status, error.code) == (400, 21211)
    assert error.reason == "The 'To' number +1555 is not a valid phone number."


def test_a_4xx_is_permanent_whatever_the_twilio_code(standin):
    # decided by HTTP status: an unknown code on a 4xx is still final, on a 503 still retried
    standin.fault = Fault(403, 99999, "new code")
    assert failure(sms(standin.url)).permanent
    standin.fault = Fault(503, 21211, "odd pairing")
    assert not failure(sms(standin.url)).permanent


def test_bad_credentials_are_permanent_20003(standin):
    error = failure(TwilioSMS(SID, "wrong-token", "+15551234567", from_="+1888",
                              api_url=standin.url))
    assert error.permanent
    assert "20003" in error.detail and "401" in error.detail


def test_token_never_in_logs_nor_errors(standin, caplog):
    caplog.set_level(logging.DEBUG)  # every logger: ours, twilio's, urllib3's
    notifier = sms(standin.url)
    details = []
    notifier.send(MESSAGE)
    for fault in (Fault(400, 21211, "bad To"), Fault(500), Fault(429, 20429, "slow", "1")):
        standin.fault = fault
        error = failure(notifier)
        details += [error.detail, str(error), repr(error)]
    standin.fault, standin.hang = None, True
    error = failure(sms(standin.url, timeout=2.0))
    details += [error.detail, str(error)]
    error = failure(sms(f"http://127.0.0.1:{closed_port()}"))
    details += [error.detail, str(error)]
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert "twilio messages.create: child answered" in caplog.text
    for text in [caplog.text, repr(notifier), *details]:
        assert TOKEN not in text
        assert basic not in text


def test_token_in_the_api_url_is_redacted():
    # a token that ends up in a URL (user:token@host) must still not be echoed
    error = failure(TwilioSMS(SID, TOKEN, "+1555", from_="+1888",
                              api_url=f"http://{SID}:{TOKEN}@127.0.0.1:{closed_port()}"))
    assert TOKEN not in error.detail


def test_send_test_message_reports_each_notifier(standin):
    twilio = TwilioConfig(SID, TOKEN, ("+15551234567", "+15550000000"), from_="+18885551234",
                          api_url=standin.url)
    results = send_test_message(Config(twilio=twilio), "web1", sys.stdout)
    assert results == [("sms:+15551234567", True, ""), ("sms:+15550000000", True, "")]
    assert all(r.body.startswith("web1\n") for r in standin.received)
    standin.fault = Fault(400, 21608, "The number is unverified. Trial accounts cannot send")
    first, _ = send_test_message(Config(twilio=twilio), "web1", sys.stdout)
    assert first[:2] == ("sms:+15551234567", False) and "21608" in first[2]


def test_importing_notify_and_delivery_does_not_import_twilio():
    code = (
        "import sys, ttalertd.notifiers, ttalertd.notify.delivery\n"
        "heavy = [m for m in ('twilio', 'requests', 'urllib3', 'urllib.request')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=cli_env())


def _our_children() -> list[int]:
    pids = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            pids += [int(pid) for pid in f.read().split()]
    return pids


def test_a_hang_past_the_deadline_is_transient_and_its_child_is_killed(standin):
    standin.hang = True
    before = _our_children()
    error = failure(sms(standin.url, timeout=2.0))
    assert isinstance(error, TwilioError) and not error.permanent
    assert "timed out" in error.detail.lower()
    assert error.status is None and error.code is None
    assert standin.received == []
    assert _our_children() == before  # killed and reaped


def _wait_for_an_attempt(standin) -> None:
    """Until a request reached the stand-in (60 s at most; the test's asserts then say why)."""
    deadline = time.monotonic() + 60
    while standin.attempts == 0 and time.monotonic() < deadline:
        time.sleep(0.02)


class _Stop(BaseException):
    pass


def test_a_stop_signal_mid_wait_kills_the_child(standin):
    standin.hang = True
    before = _our_children()

    def stop_once_sent() -> None:
        _wait_for_an_attempt(standin)
        os.kill(os.getpid(), signal.SIGUSR1)

    def raise_stop(signum, frame):
        raise _Stop

    previous = signal.signal(signal.SIGUSR1, raise_stop)
    try:
        threading.Thread(target=stop_once_sent, daemon=True).start()
        with pytest.raises(_Stop):
            run_twilio(account_of(standin), "messages.create",
                       {"to": "+15551234567", "from_": "+1888", "body": "x"}, deadline=120)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert standin.attempts == 1
    assert _our_children() == before


@pytest.mark.parametrize(("operation", "params"), [
    ("messages.delete", {"to": "+1555"}),
    ("messages.create", {"to": "+1555", "body": "x", "status_callback": "http://evil"}),
])
def test_an_operation_or_argument_the_child_does_not_know_is_permanent(standin, operation,
                                                                       params):
    with pytest.raises(TwilioError) as caught:
        run_twilio(account_of(standin), operation, params)
    assert caught.value.permanent
    assert standin.attempts == 0


def test_the_result_of_a_create_is_the_resources_sid(standin):
    result = run_twilio(account_of(standin), "messages.create",
                        {"to": "+15551234567", "messaging_service_sid": "MG1", "body": "x"})
    assert result["sid"].startswith("SM") and result["status"] == "accepted"
    assert [r.body for r in standin.received] == ["x"]


def account_of(standin) -> TwilioAccount:
    account = TwilioAccount(SID, TOKEN, standin.url)
    assert TOKEN not in repr(account)
    return account


def _twilio_children() -> list[int]:
    found = []
    for pid in _our_children():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"twilio_child.py" in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def test_operations_from_two_threads_never_run_two_children_at_once(standin):
    standin.hang = True  # the first operation holds its child until released
    params = {"to": "+15551234567", "from_": "+1888", "body": "x"}
    outcomes: list[object] = []

    def operate() -> None:
        try:
            outcomes.append(run_twilio(account_of(standin), "messages.create", params))
        except TwilioError as error:
            outcomes.append(error)

    first = threading.Thread(target=operate)
    first.start()
    _wait_for_an_attempt(standin)
    second = threading.Thread(target=operate)
    second.start()
    seen = set()
    for _ in range(25):  # half a second: the second waits for the first's child
        seen.add(len(_twilio_children()))
        time.sleep(0.02)
    assert standin.attempts == 1 and seen == {1}
    standin.hang = False  # the first request ends unanswered; the second one then goes
    first.join(60)
    second.join(60)
    assert standin.attempts == 2 and len(standin.received) == 1
    assert sum(isinstance(o, TwilioError) for o in outcomes) == 1


def test_the_token_is_in_neither_the_childs_argv_nor_its_environment(standin, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)  # the documented way to keep it out of files
    standin.hang = True
    errors: list[TwilioError] = []

    def operate() -> None:
        try:
            run_twilio(account_of(standin), "messages.create",
                       {"to": "+15551234567", "from_": "+1888", "body": "x"}, deadline=60)
        except TwilioError as error:
            errors.append(error)

    sender = threading.Thread(target=operate)
    sender.start()
    _wait_for_an_attempt(standin)
    (child,) = _twilio_children()
    with open(f"/proc/{child}/cmdline", "rb") as f:
        argv = f.read()
    with open(f"/proc/{child}/environ", "rb") as f:
        environ = f.read()
    standin.hang = False
    sender.join(60)
    assert b"twilio_child.py" in argv and b"PATH=" in environ
    assert TOKEN.encode() not in argv and TOKEN.encode() not in environ
    assert errors and TOKEN not in errors[0].detail


def test_a_token_that_is_also_a_json_word_leaves_the_answer_whole():
    with TwilioStandin() as open_standin:  # takes any credentials
        result = run_twilio(TwilioAccount(SID, "status", open_standin.url), "messages.create",
                            {"to": "+15551234567", "from_": "+1888", "body": "x"})
    assert result["status"] == "queued" and result["sid"].startswith("SM")
