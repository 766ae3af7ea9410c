"""Where the SMS rendering and login bursts are used: the body Twilio gets, --dry-run's print,
test-sms's count, a tick of 200 logins."""

from __future__ import annotations

import io
import logging
import os
import socket

import pytest
from faults_helpers import (
    BOOT_RECORDS,
    FROM,
    SID,
    TO,
    TOKEN,
    USER_PROCESS,
    Sample,
    base,
    run_cli,
    utmp,
    write_config,
    write_sample,
)
from twilio_standin import TwilioStandin

from ttalertd.config.records import Config
from ttalertd.notifiers import TwilioSMS
from ttalertd.notifiers.webhook import webhook_body
from ttalertd.notify.delivery import message_for
from ttalertd.notify.message import Message
from ttalertd.notify.outbox import Entry, Line
from ttalertd.notify.sms import BASIC_TABLE, EXTENSION_TABLE, segments
from ttalertd.read.source import Source
from ttalertd.runner import Runner

HOST = socket.gethostname()


def gsm7(text: str) -> bool:
    return all(ch in BASIC_TABLE or ch in EXTENSION_TABLE for ch in text)


@pytest.fixture
def standin():
    with TwilioStandin(credentials={SID: TOKEN}) as server:
        yield server


def test_twilio_gets_a_gsm7_body_within_sms_max_segments(standin, caplog):
    lines = [f"user{k} logged on pts/{k} from café-{k}.example ☃" for k in range(30)]
    message = Message("web1", "\n".join(["web1", *lines]))
    caplog.set_level(logging.INFO, logger="ttalertd.notify.sms")
    TwilioSMS(SID, TOKEN, TO, from_=FROM, api_url=standin.url, max_segments=2).send(message)
    [received] = standin.received
    body = received.body.split("\n")
    assert gsm7(received.body) and segments(received.body) <= 2
    assert body[1] == "user0 logged on pts/0 from café-0.example ?"
    assert body[-1] == f"(+{31 - len(body) + 1} more)"
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 31 - len(body) + 1 and logged[-1].endswith(lines[-1])


def write_logins(scenario: str, count: int) -> None:
    """Sample 0 without logins, sample 1 with `count` logins from as many hosts."""
    write_sample(os.path.join(scenario, "0"), Sample("1000.00 1900.00", "0.10 0.10 0.10 1/130 4000",
                                                     base(), utmp=BOOT_RECORDS))
    records = BOOT_RECORDS + b"".join(
        utmp(USER_PROCESS, 3000 + k, f"pts/{k}", f"user{k}", f"10.0.0.{k}", 1764001000, f"s{k}")
        for k in range(count))
    write_sample(os.path.join(scenario, "1"), Sample("1010.00 1915.00", "0.10 0.10 0.10 1/130 4000",
                                                     base(), utmp=records))


def test_dry_run_prints_the_sms_rendering_where_twilio_is_configured(tmp_path):
    scenario = str(tmp_path / "logins")
    write_logins(scenario, 60)
    config = write_config(str(tmp_path / "sms.yml"), api_url="http://127.0.0.1:9",
                          SMS_MAX_SEGMENTS=1)
    done = run_cli("--once", "--dry-run", "--replay", scenario, "--config", config,
                   "--state", str(tmp_path / "a.json"), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    printed = done.stdout.rstrip("\n")
    assert printed.split("\n")[:2] == [HOST, "user0 logged on pts/0 from 10.0.0.0"]
    assert segments(printed) == 1 and printed.endswith(" more)")
    cut = int(printed.split("\n")[-1][2:].split()[0])
    # the SMS is cut from every line, not from the 1600-character text: each cut line logged
    assert done.stderr.count("cut from the SMS (SMS_MAX_SEGMENTS 1)") == cut
    assert cut == 60 - (len(printed.split("\n")) - 2)
    assert "user59 logged on pts/59 from 10.0.0.59" in done.stderr  # logged in full

    # without twilio the console's rendering: the whole 1600-character message
    config = write_config(str(tmp_path / "console.yml"))
    done = run_cli("--once", "--dry-run", "--replay", scenario, "--config", config,
                   "--state", str(tmp_path / "b.json"), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    printed = done.stdout.rstrip("\n")
    lines = [HOST] + [f"user{k} logged on pts/{k} from 10.0.0.{k}" for k in range(60)]
    assert len(printed) <= 1600 and segments(printed) == 11  # not cut to the SMS budget
    assert printed.split("\n")[:-1] == lines[:len(printed.split("\n")) - 1]
    assert printed.endswith(f"\n(+{62 - len(printed.split(chr(10)))} more)")


def test_test_sms_prints_how_many_segments_its_message_took(standin, tmp_path):
    config = write_config(str(tmp_path / "sms.yml"), api_url=standin.url)
    done = run_cli("test-sms", "--config", config, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"sms:{TO}: sent (1 SMS segment)\n"
    [received] = standin.received
    assert segments(received.body) == 1 and gsm7(received.body)


def test_a_login_burst_is_one_line_of_the_message_and_one_alert_per_session(tmp_path):
    scenario = str(tmp_path / "burst")
    write_sample(os.path.join(scenario, "0"), Sample("1000.00 1900.00", "0.10 0.10 0.10 1/130 4000",
                                                     base(), utmp=BOOT_RECORDS))
    records = BOOT_RECORDS + b"".join(
        utmp(USER_PROCESS, 3000 + k, f"pts/{k}", "mallory", "203.0.113.9", 1764001000, f"s{k}")
        for k in range(200)) + b"".join(
        utmp(USER_PROCESS, 4000 + k, f"tty{k}", "root", "", 1764001000, f"t{k}") for k in range(3))
    write_sample(os.path.join(scenario, "1"), Sample("1010.00 1915.00", "0.10 0.10 0.10 1/130 4000",
                                                     base(), utmp=records))
    write_sample(os.path.join(scenario, "2"), Sample("1020.00 1930.00", "0.10 0.10 0.10 1/130 4000",
                                                     base(), utmp=BOOT_RECORDS))
    out = io.StringIO()
    runner = Runner(Config(), Source(replay=scenario), str(tmp_path / "m.json"), dry_run=True,
                    stdout=out, host="web1")
    runner.start()
    logins, logouts = runner.tick(), runner.tick()
    assert out.getvalue().split("\n") == [
        "web1", "mallory logged on 200 times from 203.0.113.9", "root logged on tty0",
        "root logged on tty1", "root logged on tty2",
        "web1", "mallory logged off 200 times from 203.0.113.9", "root logged off tty0",
        "root logged off tty1", "root logged off tty2", ""]
    # the webhook and Alertmanager still get one alert per session, with its own line
    body = webhook_body(message_for(Entry("w", "web1", lines=[Line(a, 0.0) for a in logins.lines]),
                                    0.0)[0])
    assert len(body["alerts"]) == 203 == len(logins.events) == len(logouts.events)
    assert body["alerts"][199] == {"kind": "login",
                                   "text": "mallory logged on pts/199 from 203.0.113.9"}
