"""Replies by text (interface.md section 11): the real twilio library lists the messages sent to
the Twilio number from the loopback stand-in; the runner acts on the owners' new ones, once."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time

import pytest
from phone_support import (
    HOST,
    OWNER,
    SID,
    STRANGER,
    TWILIO_NUMBER,
    Host,
    PhoneRun,
    phone_maker,
    write_config,
)
from twilio_standin import TwilioStandin

import proc
from ttalertd.phone.commands import Command, Situation, act, parse, status_line
from ttalertd.read.reading import Reading
from ttalertd.state.phone import PhoneMemory

T0 = 1_764_000_960.0  # 2025-11-24 16:16 UTC
READING = Reading(time=T0, uptime=960.0, load=proc.LoadAvg(0.42, 0.38, 0.3, "0.42 0.38 0.30"),
                  sessions=None, top=(), top_n=8, pids=frozenset(), memory=None, disks=(),
                  boot_id=None, btime=None)


@pytest.fixture
def phone(tmp_path, twilio):
    """make(**config) -> a PhoneRun over a fresh host (60 s between samples)."""
    return phone_maker(tmp_path, twilio.url, step=60.0)


def text(twilio: TwilioStandin, sender: str, body: str, sent: float) -> str:
    return twilio.inject(sender, body, to=TWILIO_NUMBER, sent=sent, account_sid=SID)


def replies(twilio: TwilioStandin) -> list[tuple[str | None, str | None]]:
    """The replies sent: alert messages start with the host name on a line of its own."""
    return [(r.to, r.body) for r in twilio.received
            if r.from_ == TWILIO_NUMBER and not (r.body or "").startswith(f"{HOST}\n")]


def test_status_from_an_owner_is_answered_in_one_segment(twilio, phone):
    run = phone()
    text(twilio, OWNER, "status", run.host.time + 30)
    run.tick(load="0.42 0.38 0.30", var_free=3.0)
    [(to, body)] = replies(twilio)
    assert to == OWNER
    assert re.fullmatch(r"web1: load 0\.42 0\.38 0\.30, mem 50% free, disk /var 3% free, "
                        r"\d+ users, top \S+ \d+%", body), body
    assert len(body) <= 160
    assert twilio.requests["GET Messages"] == 1


@pytest.mark.parametrize(("body", "answer"), [
    ("ack", "web1: acknowledged 1 alerts"),
    ("  MUTE 2h disk ", r"web1: muted disk until 18:16"),
    ("mute 45m", r"web1: muted load cpu memory swap disk peer until 17:01"),
    ("mute 1d login cpu", r"web1: muted login cpu until 16:16"),
    ("mute 8d", r"web1: mute needs a duration of 7d at most.*"),
    ("mute 2h fans", r"web1: cannot mute fans; kinds: .*"),
    ("unmute", "web1: unmuted"),
    ("?", r"web1: status \| ack \| mute .*"),
    ("Commands", r"web1: status \| ack \| mute .*"),
    ("reboot", "web1: unknown command, text \\? for the list"),
    ("WEB1.example.com status",
     r"web1: load 0\.42 0\.38 0\.30, mem \? free, disk \?, \? users, top \?"),
    ("web1 please", "web1: unknown command, text \\? for the list"),
])
def test_each_command_gets_its_reply(body, answer):
    memory = PhoneMemory()
    situation = Situation(HOST, T0, READING, {"disk:/var": T0 - 600}, local=time.gmtime)
    command = parse(body, "web1.example.com")
    assert command is not None
    reply = act(command, memory, situation)
    assert re.fullmatch(answer, reply), reply
    assert len(reply) <= 160


def test_commands_change_the_phone_memory():
    memory = PhoneMemory()
    situation = Situation(HOST, T0, READING, {"disk:/var": T0 - 600})
    act(Command("ack"), memory, situation)
    act(Command("mute", ("2h", "disk", "login")), memory, situation)
    assert memory.acks == {"disk:/var": T0 - 600}
    assert memory.mutes == {"disk": T0 + 7200, "login": T0 + 7200}
    act(Command("unmute"), memory, situation)
    assert memory.mutes == {}


@pytest.mark.parametrize("body", ["STOP", "stop", "Unsubscribe", "HELP", "stopall", "web1 STOP",
                                  "web2 status", "db1.example.com ack", "   "])
def test_twilio_keywords_and_other_hosts_are_no_command(body):
    assert parse(body, HOST) is None


def test_status_drops_fields_from_the_right_to_fit_one_segment():
    row = proc.ProcessRow(1, "bob", "x" * 150, "x", 99.0)
    line = status_line(HOST, dataclasses.replace(READING, top=(row,)))
    assert line == "web1: load 0.42 0.38 0.30, mem ? free, disk ?, ? users"


def test_keywords_and_other_hosts_get_no_reply(twilio, phone):
    run = phone()
    for body in ("STOP", "web2 status", "web1 UNSUBSCRIBE"):
        text(twilio, OWNER, body, run.host.time + 30)
    run.tick()
    assert replies(twilio) == []
    assert twilio.requests["GET Messages"] == 1


def test_a_stranger_is_ignored_and_logged_masked(twilio, phone, caplog):
    run = phone()
    text(twilio, STRANGER, "status", run.host.time + 30)
    with caplog.at_level(logging.INFO):
        run.tick()
        run.tick()
    assert replies(twilio) == []
    logged = [r.getMessage() for r in caplog.records if "+1555...9999" in r.getMessage()]
    assert len(logged) == 1  # once: its SID is remembered too
    assert STRANGER not in caplog.text


def test_stale_messages_and_those_before_the_first_run_are_never_acted_on(twilio, phone):
    run = phone()
    text(twilio, OWNER, "ack", run.host.time - 120)  # before the daemon first read replies
    run.tick()
    assert replies(twilio) == []
    # an hour and a minute old when the daemon reads it (it was down meanwhile, say)
    run.host.uptime += 3600
    text(twilio, OWNER, "unmute", run.host.time + 60 - 3660)
    text(twilio, OWNER, "status", run.host.time + 30)
    run.tick()
    assert [body.split()[1] for _, body in replies(twilio)] == ["load"]


def test_a_restart_between_two_ticks_acts_on_each_message_once(twilio, phone, tmp_path):
    run = phone()
    text(twilio, OWNER, "status", run.host.time + 10)
    run.tick()
    text(twilio, OWNER, "unmute", run.host.time + 10)
    run.restart()  # a new daemon on the same state file
    run.tick()
    run.tick()
    assert [body.split(":")[1].split()[0] for _, body in replies(twilio)] == ["load", "unmuted"]
    phone_part = json.loads((tmp_path / "memory.json").read_text())["phone"]
    assert len(phone_part["seen"]) == 2


def test_the_message_list_is_read_page_by_page(twilio, phone):
    run = phone()
    text(twilio, OWNER, "status", run.host.time + 1)
    for n in range(60):  # newer than the command: the command sits on the second page
        text(twilio, STRANGER, f"spam {n}", run.host.time + 2 + n / 100)
    run.tick()
    assert len(replies(twilio)) == 1
    assert twilio.requests["GET Messages"] == 2  # Twilio's 50 a page, next_page_uri followed


def test_at_most_ten_replies_an_hour_but_every_command_acts(twilio, phone):
    run = phone()
    run.runner.phone.memory.replies = [run.host.time - 3000 + n for n in range(9)]
    for n in range(2):
        text(twilio, OWNER, "status", run.host.time + 1 + n)
    text(twilio, OWNER, "mute 1h disk", run.host.time + 20)
    run.tick()
    assert len(replies(twilio)) == 1  # the tenth of the hour
    state = run.runner.phone.memory
    assert set(state.mutes) == {"disk"}  # the twelfth command acted without a reply
    # replies are not messages: MAX_SMS_PER_HOUR's window is untouched
    assert run.runner.outbox.sent_times == []


def test_dry_run_prints_the_reply_and_acts_on_nothing(twilio, tmp_path):
    host = Host(str(tmp_path / "host"))
    path = write_config(str(tmp_path / "config.yml"), twilio.url)
    run = PhoneRun(host, path, str(tmp_path / "memory.json"), dry_run=True)
    text(twilio, OWNER, "mute 2h", host.time + 10)
    run.tick()
    run.tick()
    assert re.fullmatch(r"reply \+1555\.\.\.4567: web1: muted .* until \d\d:\d\d\n",
                        run.stdout.getvalue())
    assert run.runner.phone.memory.mutes == {}
    assert twilio.requests["POST Messages"] == 0 and twilio.requests["GET Messages"] == 2


def test_an_extension_table_character_counts_two_in_the_status():
    row = proc.ProcessRow(1, "bob", "{" * 51, "x", 99.0)  # 102 septets with "top " and " 99%"
    line = status_line(HOST, dataclasses.replace(READING, top=(row,)))
    assert line == "web1: load 0.42 0.38 0.30, mem ? free, disk ?, ? users"  # 163 septets with it


@pytest.mark.parametrize("part", [{"seen": []}, {"acks": {"load": "x"}}, {"mutes": 3},
                                  {"incidents": {"load": {"told": 1.0}}}])
def test_a_damaged_phone_part_acts_on_no_message_sent_before_it_was_lost(part, caplog):
    assert PhoneMemory.from_json(part) == PhoneMemory()  # first_read: this run's start
    assert "phone part dropped" in caplog.text


def test_a_dropped_phone_part_replays_no_command(twilio, phone, tmp_path):
    run = phone()
    text(twilio, OWNER, "status", run.host.time + 10)
    run.tick()
    run.runner.save()
    state = tmp_path / "memory.json"
    doc = json.loads(state.read_text())
    doc["phone"] = {"seen": "damaged"}  # the SID list is lost
    state.write_text(json.dumps(doc))
    run.host.restart()
    run.runner = run._start()
    run.tick()
    assert len(replies(twilio)) == 1  # the status sent before the loss is not answered again


def test_two_commands_of_one_second_act_in_the_order_they_were_sent(twilio, phone):
    """Twilio's date_sent has whole seconds and its list is newest first: that order breaks the
    tie, not the SIDs (here the later message gets the lower SID, so a SID order fails)."""
    run = phone()
    second = float(int(run.host.time + 10))
    first = text(twilio, OWNER, "mute 2h disk", second + 0.1)
    later = text(twilio, OWNER, "unmute", second + 0.6)
    for message in twilio.messages:
        if message["sid"] in (first, later):
            message["sid"] = "SM" + ("f" if message["sid"] == first else "0") * 32
    run.tick()
    assert [body.split(":")[1].split()[0] for _, body in replies(twilio)] == ["muted", "unmuted"]
    assert run.runner.phone.memory.mutes == {}
