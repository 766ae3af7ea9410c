"""Calls, acknowledgements, mutes and refusals told elsewhere (interface.md section 11), through
the runner, the real twilio library and the loopback stand-in; the sample clock drives every
duration (a replay)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from am_capture import Capture
from cli_support import run_ttalertd
from phone_support import (
    OTHER_OWNER,
    OWNER,
    SID,
    TWILIO_NUMBER,
    Host,
    phone_maker,
    write_config,
)
from twilio_standin import Fault, TwilioStandin

from ttalertd.alert import Alert
from ttalertd.phone import calls
from ttalertd.state.phone import PhoneMemory

DISK_LINE = "disk /var: 3% free (1.2 GiB of 40 GiB)"


@pytest.fixture
def phone(tmp_path, twilio):
    # commands off: no message list to read each tick, lean
    return phone_maker(tmp_path, twilio.url, step=300.0, call=[OWNER], commands=False)


def text(twilio: TwilioStandin, body: str, sent: float) -> None:
    twilio.inject(OWNER, body, to=TWILIO_NUMBER, sent=sent, account_sid=SID)


def alerts(twilio: TwilioStandin) -> list[str]:
    """The alert messages sent (not replies), without their host line."""
    return [r.body.split("\n", 1)[1] for r in twilio.received
            if (r.body or "").startswith("web1\n")]


def test_a_disk_still_firing_after_call_after_is_called_with_its_line_spoken(twilio, phone):
    run = phone()  # CALL_AFTER 15, a sample every 5 minutes
    for _ in range(3):
        run.tick(var_free=3.0)  # told at 0, 5 and 10 minutes: no call yet
    assert twilio.calls == [] and alerts(twilio) == [DISK_LINE]
    run.tick(var_free=3.0)  # 15 minutes after the first line
    [call] = twilio.calls
    assert (call.to, call.from_) == (OWNER, TWILIO_NUMBER)
    assert call.twiml == ('<Response><Say loop="2">web1. disk /var 3 percent free. '
                          'Reply ack to stop the calls.</Say></Response>')
    for _ in range(8):
        run.tick(var_free=3.0)  # again every 15 minutes, 3 per incident
    assert len(twilio.calls) == 3
    assert twilio.requests["POST Calls"] == 3


def test_ack_stops_the_calls_and_the_reset_repeats_until_recovery(twilio, phone):
    run = phone(step=300.0, RESET_INTERVAL=1, CALL_AFTER=0, commands=True)
    run.tick(var_free=3.0)  # first line and, with CALL_AFTER 0, a call
    run.tick(var_free=3.0)  # a reset: the line is repeated
    assert len(twilio.calls) == 1 and alerts(twilio) == [DISK_LINE, DISK_LINE]
    text(twilio, "ack", run.host.time + 10)
    for _ in range(3):  # 15 minutes: a reset, and a call would be due again
        run.tick(var_free=3.0)
    assert len(twilio.calls) == 1
    assert alerts(twilio) == [DISK_LINE, DISK_LINE]
    replies = [r.body for r in twilio.received if r.body == "web1: acknowledged 1 alerts"]
    assert len(replies) == 1
    run.tick(var_free=40.0)  # its recovery is still told, and the ack goes with it
    assert alerts(twilio)[-1] == "disk /var back to normal: 40% free"
    assert run.runner.phone.memory.acks == {}


def test_mute_holds_lines_and_calls_then_unmute_sends_one_digest(twilio, phone):
    run = phone(step=1200.0, commands=True)
    text(twilio, "mute 2h disk", run.host.time + 10)
    run.tick(var_free=3.0)
    run.tick(var_free=3.0, load="3.52 2.10 1.30")  # 20 minutes: past CALL_AFTER, yet held
    assert alerts(twilio) == ["load average 3.52 2.10 1.30 (limit 1.2)"]  # load is not muted
    assert [c.twiml for c in twilio.calls if "disk" in (c.twiml or "")] == []
    text(twilio, "unmute", run.host.time + 10)
    run.tick(var_free=3.0, load="3.52 2.10 1.30")
    assert alerts(twilio)[-1] == DISK_LINE  # the digest: the muted condition's latest line
    assert run.runner.phone.memory.mutes == {}
    run.tick(var_free=3.0, load="3.52 2.10 1.30")  # the held call goes now the mute is over
    assert any("disk /var 3 percent free" in (c.twiml or "") for c in twilio.calls)


def test_a_mute_survives_a_restart(twilio, phone):
    run = phone(step=60.0, commands=True)
    text(twilio, "mute 1h", run.host.time + 10)
    run.tick()
    run.restart()
    run.tick(var_free=3.0)
    run.tick(var_free=3.0)
    assert alerts(twilio) == []
    assert run.runner.state.memory.held  # held, not dropped


def test_the_twiml_escapes_a_command_line_holding_markup(twilio, phone):
    argv = ["sh", "-c", 'a<b && echo "x" \'y\' > /dev/null']
    run = phone(step=300.0, CALL_AFTER=0, CPU_LIMIT=50)
    run.tick(hog=("sh", argv, 99.0))
    [call] = twilio.calls
    root = ET.fromstring(call.twiml)  # well-formed whatever the process wrote
    said = root.find("Say")
    assert said is not None and said.get("loop") == "2"
    assert 'sh -c a<b && echo "x" \'y\' > /dev/null' in said.text
    assert "&lt;b &amp;&amp; echo &quot;x&quot; &apos;y&apos; &gt; /dev/null" in call.twiml


def test_a_failed_call_is_kept_and_retried(twilio, phone):
    run = phone(step=300.0, CALL_AFTER=0)
    twilio.call_fault = Fault(503, 20500, "Service unavailable")
    run.tick(var_free=3.0)
    assert twilio.calls == [] and twilio.requests["POST Calls"] == 1
    twilio.call_fault = None
    run.tick(var_free=3.0)
    assert len(twilio.calls) == 1
    assert "disk /var 3 percent free" in twilio.calls[0].twiml


def test_a_21610_refusal_reaches_the_webhook_alertmanager_and_the_other_number(twilio, phone):
    hook, am = Capture(), Capture()
    try:
        run = phone(step=60.0, call=None, to=[OWNER, OTHER_OWNER], webhook=hook.url + "/ops",
                    alertmanager=am.url)
        twilio.number_faults[OWNER] = Fault(400, 21610, "Attempt to send to unsubscribed "
                                            "recipient")
        run.tick(var_free=3.0)
        run.tick(var_free=3.0)
        line = ("sms to +1555...4567 refused: Twilio 21610 (Attempt to send to unsubscribed "
                "recipient)")
        bodies = [p.body for p in hook.posts]
        assert bodies[-1]["alerts"] == [{"kind": "notifier", "text": line}]
        assert bodies[-1]["text"] == f"web1\n{line}"
        to_other = [r.body for r in twilio.received if r.to == OTHER_OWNER]
        assert to_other == [f"web1\n{DISK_LINE}", f"web1\n{line}"]
        attempts_to_owner = twilio.requests["POST Messages"] - len(twilio.received)
        assert attempts_to_owner == 1  # the refused number is not sent its own refusal
        failed = [a for post in am.posts for a in post.body
                  if a["labels"]["alertname"] == "TTAlertNotifierFailed"]
        assert [(a["labels"]["instance"], a["annotations"]["summary"]) for a in failed] == [
            ("web1", line)]
        run.tick(var_free=3.0)
        assert len(hook.posts) == 2  # told once
    finally:
        hook.close()
        am.close()


def test_calls_at_most_six_an_hour_over_every_incident():
    memory = PhoneMemory()
    firing = [Alert("disk", f"disk /d{n}: 1% free", f"disk:/d{n}", starts_at=float(n))
              for n in range(8)]
    placed = 0
    for minute in range(0, 60, 5):
        now = 1000.0 + minute * 60
        calls.follow(memory, firing, now)
        due = calls.due(memory, firing, now=now, call_after_minutes=0, held=lambda kind: False)
        if due:
            calls.record_call(memory, due, now)
            placed += 1
        firing.append(Alert("load", "load", f"load{minute}", starts_at=now))  # new incidents
    assert placed == 6


def test_logins_and_reboots_never_call():
    memory = PhoneMemory()
    firing = [Alert("login", "alice logged on pts/0", "login:alice"),
              Alert("reboot", "rebooted at 2026-11-24 03:12", "reboot:x")]
    calls.follow(memory, firing, 0.0)
    assert calls.due(memory, firing, now=9e9, call_after_minutes=0, held=lambda k: False) == []


def test_dry_run_prints_the_call_and_the_reply_and_sends_nothing(twilio, tmp_path):
    host = Host(str(tmp_path / "host"), step=300.0)
    for _ in range(3):
        host.sample(var_free=3.0)
    config = write_config(str(tmp_path / "config.yml"), twilio.url, call=[OWNER], CALL_AFTER=5)
    text(twilio, "status", host.time - 590)
    done = run_ttalertd("--dry-run", "--replay", host.scenario, "--config", config,
                        "--state", str(tmp_path / "memory.json"), cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    call = "call +1555...4567: web1. disk /var 3 percent free. Reply ack to stop the calls."
    assert call in lines
    assert any(re.fullmatch(r"reply \+1555\.\.\.4567: web1: load .*", line) for line in lines)
    assert twilio.calls == [] and twilio.received == []
    assert twilio.requests["GET Messages"] == 2  # it reads, each tick
