"""Untrusted text (interface.md section 6): what a local user writes reaches no output as written.

Process names and command lines, utmp and logind fields and mount points may hold newlines,
terminal escapes, bidi overrides and bytes that are no UTF-8. Each such character becomes `?`, so
an alert line is always one line and no field can forge a line of its own.
"""

from __future__ import annotations

import io
import json
import logging
import os
import unicodedata

import pytest
from faults_helpers import BOOT_RECORDS, Sample, base, write_sample
from utmp_writer import utmp_record

import proc
from proc.logind import parse_session_file, session_from_values
from proc.mounts import parse_mounts
from proc.pid_stat import parse_pid_stat
from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.notifiers.alertmanager import postable, tick_states
from ttalertd.notifiers.webhook import webhook_body
from ttalertd.notify.delivery import message_for
from ttalertd.notify.outbox import Entry, Line
from ttalertd.read.source import Source
from ttalertd.runner import Runner
from ttalertd.untrusted import printable

FORGED = "root logged on pts/9 from 203.0.113.9"
HIDDEN = ("\n", "\r", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u200b", "\u200e",
          "\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
          "\u2067", "\u2068", "\u2069", "\ufeff", "\u00ad")  # fmt: skip


def hidden_in(text: str) -> list[str]:
    """Characters of the categories section 6 names, and U+FFFD, found in one line of `text`."""
    return [ch for ch in text if ch == "\ufffd" or unicodedata.category(ch) in
            ("Cc", "Cf", "Zl", "Zp", "Cs")]


@pytest.mark.parametrize("char", HIDDEN)
def test_every_control_format_and_separator_character_is_a_question_mark(char):
    assert printable(f"a{char}b") == "a?b"


def test_printable_text_is_kept_as_written():
    for text in ("python3 spin.py", "café ß 日本語 ☃", "/srv/my disk", "a\u00a0b", ""):
        assert printable(text) == text


def test_each_undecodable_byte_is_one_question_mark():
    # a lone 0xff, a truncated three-byte sequence, an encoded surrogate: one ? per byte
    stat = parse_pid_stat(b"77 (a\xffb\xe2\x82c\xed\xb2\x80) S 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 "
                          b"0 1 0 99 0 0")
    assert printable(stat.comm) == "a?b??c???"
    assert printable(proc.parse_utmp(utmp_record(7, 5, b"pts/\xc3", "u", b"h\xff"))[0]
                     .host) == "h?"


def test_a_logind_value_is_cut_at_newlines_only():
    values = parse_session_file(b"CLASS=user\nUSER=eve\nREALTIME=1\n"
                                b"REMOTE_HOST=a\xe2\x80\xa8b\x1cc\nLEADER=9\n")
    session = session_from_values(values)
    assert session is not None and printable(session.host) == "a?b?c"


def test_a_mount_point_escape_is_a_byte_and_a_newline_stays_in_the_field():
    mounts = parse_mounts(b"/dev/vdb1 /mnt/caf\\303\\251\\012x ext4 rw 0 0\n")
    assert mounts[0].mountpoint == "/mnt/caf\u00e9\nx"
    assert printable(mounts[0].mountpoint) == "/mnt/caf\u00e9?x"


# a scenario where every field a local user writes is hostile
COMM = b"ev\nil\x1b[2J\xff"  # 11 bytes: comm holds at most 15
CMDLINE = (b"miner\0\x1b]0;owned\x07\0\r" + FORGED.encode() + b"\0\xe2\x80\xae"
           b"gpj.exe\0\xff\xfe\n" + FORGED.encode() + b"\0")
UTMP_HOSTS = (b"x\n" + FORGED.encode(), b"\xe2\x80\xaeevil\r\x1b[1A", b"\xff\xfe")
MOUNT = "/mnt/a\n" + FORGED
UPTIMES = ("1000.00 1900.00", "1010.00 1915.00")


def write_hostile_process(sample: str, ticks: int) -> None:
    pid = os.path.join(sample, "proc", "6666")
    os.makedirs(pid)
    with open(os.path.join(pid, "stat"), "wb") as f:
        f.write(b"6666 (" + COMM + b") R 1 6666 6666 0 -1 0 0 0 0 0 %d 0 0 0 20 0 1 0 100 0 0\n"
                % ticks)
    with open(os.path.join(pid, "cmdline"), "wb") as f:
        f.write(CMDLINE)
    with open(os.path.join(pid, "status"), "wb") as f:
        f.write(b"Name:\tx\nUid:\t1001\t1001\t1001\t1001\n")


def write_hostile(scenario: str) -> None:
    zero = os.path.join(scenario, "0")
    write_sample(zero, Sample(UPTIMES[0], "0.10 0.10 0.10 1/130 4000", base(), utmp=BOOT_RECORDS))
    write_hostile_process(zero, 0)
    records = BOOT_RECORDS + b"".join(
        utmp_record(7, 3000 + k, f"pts/{k}", b"mallory\x1b[0m" if k == 2 else "mallory",
                              host, sec=1764001000) for k, host in enumerate(UTMP_HOSTS))
    mounts = ("/dev/vda1 / ext4 rw 0 0\n"
              "/dev/vdb1 /mnt/a\\012root\\040logged\\040on\\040pts/9\\040from\\040203.0.113.9 "
              "ext4 rw 0 0\n")
    statvfs = {"/": {"bsize": 4096, "blocks": 1000, "bavail": 500},
               MOUNT: {"bsize": 4096, "blocks": 1000, "bavail": 10}}
    one = os.path.join(scenario, "1")
    write_sample(one, Sample(UPTIMES[1], "0.10 0.10 0.10 1/130 4000", base(), utmp=records,
                             mounts=mounts, statvfs=statvfs))
    write_hostile_process(one, 1000)


@pytest.fixture
def hostile_tick(tmp_path, caplog):
    scenario = str(tmp_path / "hostile")
    write_hostile(scenario)
    out = io.StringIO()
    caplog.set_level(logging.INFO)
    runner = Runner(Config(), Source(replay=scenario), str(tmp_path / "memory.json"),
                    dry_run=True, stdout=out, host="web1")
    runner.start()
    verdict = runner.tick()
    return out.getvalue(), verdict, caplog


def test_no_hostile_field_forges_a_line_or_reaches_the_terminal(hostile_tick):
    printed, _, _ = hostile_tick
    lines = printed.splitlines()
    assert lines == [
        "web1",
        f"mallory logged on pts/0 from x?{FORGED}",
        "mallory logged on pts/1 from ?evil??[1A",
        "mallory?[0m logged on pts/2 from ??",
        "cpu 100.0% pid 6666 bob ev?il?[2J?: miner ?]0;owned? ?" + FORGED + " ?gpj.exe ???"
        + FORGED,
        f"disk /mnt/a?{FORGED}: 1% free (40 KiB of 3.9 MiB)",
    ]
    assert all(not hidden_in(line) for line in lines)


def test_webhook_and_alertmanager_get_the_same_printable_text(hostile_tick):
    _, verdict, _ = hostile_tick
    entry = Entry("w", "web1", lines=[Line(a, 0.0) for a in verdict.lines])
    body = webhook_body(message_for(entry, 0.0)[0])
    texts = [body["text"], *(a["text"] for a in body["alerts"])]
    assert all(not hidden_in(t) for t in body["text"].split("\n"))
    assert all(not hidden_in(t) for t in texts[1:]) and len(texts) == 6
    posted = [postable(s) for s in tick_states(verdict.firing, verdict.resolved, verdict.events,
                                               "web1", (), sample_time=1.0, alert_interval=60.0,
                                               started={})]
    values = [v for alert in posted for v in (*alert["labels"].values(),
                                                  *alert["annotations"].values())]
    printed = {"x?" + FORGED, "?evil??[1A", "mallory?[0m", "ev?il?[2J?", "/mnt/a?" + FORGED}
    assert printed <= set(values)
    assert all(not hidden_in(v) for v in values)
    assert FORGED not in json.dumps(body).split("\\n")  # never a line of its own in the JSON


def test_the_log_shows_hostile_fields_on_one_line(hostile_tick):
    _, _, caplog = hostile_tick
    for record in caplog.records:
        for line in record.getMessage().split("\n"):  # a message's lines are logged one a line
            assert not hidden_in(line), (record.getMessage(), line)
            assert line.strip() != FORGED


def test_an_alert_kept_by_an_older_version_is_made_printable_on_the_way_out():
    # a state file written before this release may hold a line that was never cleaned
    old = Alert("login", f"eve logged on pts/1 from x\n{FORGED}", "login:eve|pts/1|x",
                labels=(("user", "eve"), ("line", "pts/1"), ("remote_host", f"x\n{FORGED}")))
    message, _ = message_for(Entry("w", "web1", lines=[Line(old, 0.0)]), 0.0)
    assert message.text == f"web1\neve logged on pts/1 from x?{FORGED}"
    assert webhook_body(message)["alerts"] == [{"kind": "login",
                                                "text": f"eve logged on pts/1 from x?{FORGED}"}]
    [state] = tick_states((), (), (old,), "web1", (), sample_time=1.0, alert_interval=60.0,
                          started={})
    assert dict(state.labels)["remote_host"] == f"x?{FORGED}"
    assert state.summary == f"eve logged on pts/1 from x?{FORGED}"


def test_a_mount_point_that_is_no_utf8_is_shown_with_question_marks_and_statvfs_gets_its_bytes():
    [mount] = parse_mounts(b"/dev/sdc1 /media/eve/\\377\\376key vfat rw 0 0\n")
    assert printable(mount.mountpoint) == "/media/eve/??key"
    assert mount.path == b"/media/eve/\xff\xfekey"  # the path that exists


def test_a_carriage_return_in_a_mount_point_forges_no_mount():
    # the kernel escapes space, tab, newline and backslash, not CR
    [mount] = parse_mounts(b"eve@fuse /home/eve/a\r/dev/vda9\\040/boot ext4 rw 0 0\n")
    assert mount.device == "eve@fuse"
    assert printable(mount.mountpoint) == "/home/eve/a?/dev/vda9 /boot"
