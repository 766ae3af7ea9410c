"""The SMS rendering where it is used: the body Twilio gets, --dry-run's print, test-sms's count."""

from __future__ import annotations

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

from ttalertd.notifiers import TwilioSMS
from ttalertd.notify.message import Message
from ttalertd.notify.sms import BASIC_TABLE, EXTENSION_TABLE, segments

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
    # first the 1600-character cut, then the SMS's own: every line left out is logged once
    assert (done.stderr.count("cut from the message (over 1600 characters)")
            + done.stderr.count("cut from the SMS (SMS_MAX_SEGMENTS 1)")) == cut
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
