"""Logins, trusted logins, reboots and quiet hours in the pure evaluate step."""

from __future__ import annotations

import pytest
from rules_support import Run, Tick, config, row, session

from ttalertd.state.memory import AlertMemory

ALICE = session("alice", "pts/0", "10.0.0.5")
BOB = session("bob", "tty1")
CAROL = session("carol", "pts/1", "2001:db8::7")


def test_logins_and_logouts_remote_local_and_ipv6():
    run = Run(config(), AlertMemory(sessions=[("alice", "pts/0", "10.0.0.5")]))
    got = run.ticks(Tick(sessions=[ALICE, BOB, CAROL]), Tick(sessions=[CAROL]),
                    Tick(sessions=[CAROL]))
    assert got == [["bob logged on tty1", "carol logged on pts/1 from 2001:db8::7"],
                   ["alice logged off pts/0", "bob logged off tty1"], []]


def test_no_remembered_sessions_is_the_baseline_and_logins_never_wait():
    run = Run(config(FOR_TICKS=5), AlertMemory())
    assert run.tick(Tick(sessions=[ALICE])) == []
    assert run.tick(Tick(sessions=[ALICE, BOB])) == ["bob logged on tty1"]


def test_unreadable_sessions_say_nothing_and_keep_the_memory():
    run = Run(config(), AlertMemory(sessions=[("alice", "pts/0", "10.0.0.5")]))
    assert run.tick(Tick(sessions=None)) == []
    assert run.tick(Tick(sessions=[ALICE])) == []


def test_a_session_is_user_line_and_host():
    run = Run(config(), AlertMemory(sessions=[("alice", "pts/0", "10.0.0.5")]))
    moved = session("alice", "pts/0", "10.0.0.6")
    assert run.tick(Tick(sessions=[moved, moved])) == [
        "alice logged on pts/0 from 10.0.0.6", "alice logged off pts/0"]


@pytest.mark.parametrize("rule, user, host, trusted", [
    ("bob", "bob", "", True),
    ("bob", "bob", "203.0.113.9", True),
    ("bob", "bobby", "", False),
    ("@10.0.0.0/8", "anyone", "10.1.2.3", True),
    ("@10.0.0.0/8", "anyone", "::ffff:10.1.2.3", True),
    ("@10.0.0.0/8", "anyone", "", False),
    ("@10.0.0.0/8", "anyone", "gateway.example", False),
    ("carol@2001:db8::/32", "carol", "2001:db8::7", True),
    ("carol@2001:db8::/32", "dave", "2001:db8::7", False),
    ("carol@2001:db8::/32", "carol", "2001:db9::7", False),
    ("@::1/128", "root", "::1", True),
])
def test_trusted_logins_and_logouts_are_not_told(rule, user, host, trusted):
    run = Run(config(TRUSTED_LOGINS=[rule]))
    s = session(user, "pts/3", host)
    on, off = run.tick(Tick(sessions=[s])), run.tick(Tick(sessions=[]))
    where = f" from {host}" if host else ""
    expected = ([], []) if trusted else ([f"{user} logged on pts/3{where}"],
                                         [f"{user} logged off pts/3"])
    assert (on, off) == expected


def test_a_new_boot_id_is_told_once_with_the_boot_time_from_btime(utc):
    run = Run(config(), AlertMemory(sessions=[], boot_id="old-boot"))
    got = run.ticks(Tick(boot_id="new-boot", btime=1_764_012_000), Tick(boot_id="new-boot"))
    assert got == [["rebooted at 2025-11-24 19:20"], []]


def test_btime_moving_with_the_same_boot_id_is_not_a_reboot(utc):
    run = Run(config(), AlertMemory(sessions=[], boot_id="b"))
    assert run.ticks(Tick(boot_id="b", btime=1_764_000_000),
                     Tick(boot_id="b", btime=1_764_010_800)) == [[], []]


def test_no_state_compares_the_boot_id_with_the_baseline_sample(utc):
    # with no state file the runner remembers the baseline sample's boot id ("a") before tick 1
    fresh = Run(config(), AlertMemory(sessions=[], boot_id="a"))
    assert fresh.tick(Tick(boot_id="b", btime=1_764_012_000)) == [
        "rebooted at 2025-11-24 19:20"]
    assert Run(config(), AlertMemory(sessions=[], boot_id="b")).tick(Tick(boot_id="b")) == []


def test_quiet_hours_hold_conditions_and_send_one_digest_when_they_end(utc):
    run = Run(config(QUIET_HOURS="23:00-07:00"), AlertMemory(sessions=[], boot_id="a"))
    night, morning = 23 * 60 + 30, 7 * 60
    assert run.tick(Tick(load=3.0, top=[row(5, "stress", 90.0)], boot_id="a"),
                    minute_of_day=night) == []
    # the reboot ended stress (held: "exited"); logins and reboots are never held
    assert run.tick(Tick(load=3.0, top=[], sessions=[ALICE],
                         boot_id="b", btime=1_764_012_000),
                    minute_of_day=2 * 60) == [
        "rebooted at 2025-11-24 19:20 (down 182 min, no clean shutdown: last tick 16:17)",
                                              "alice logged on pts/0 from 10.0.0.5"]
    assert run.tick(Tick(load=0.2, sessions=[ALICE], boot_id="b"), minute_of_day=6 * 60 + 59) == []
    assert run.verdicts[-1].held == 1  # load back to normal
    assert run.tick(Tick(load=0.2, sessions=[ALICE], boot_id="b"), minute_of_day=morning) == [
        "load average 3.00 1.80 0.90 (limit 1.2)", "cpu 90.0% pid 5 bob stress: stress",
        "stress (pid 5) exited", "load back to normal: 0.20 0.12 0.06"]
    assert run.tick(Tick(load=0.2, sessions=[ALICE], boot_id="b"), minute_of_day=morning) == []


def test_quiet_hours_that_do_not_wrap_midnight(utc):
    run = Run(config(QUIET_HOURS="12:00-13:00"))
    assert run.tick(Tick(load=3.0), minute_of_day=12 * 60) == []
    assert run.tick(Tick(load=3.0), minute_of_day=13 * 60) == [
        "load average 3.00 1.80 0.90 (limit 1.2)"]


def test_the_evaluate_step_does_not_change_the_memory_it_is_given():
    memory = AlertMemory(sessions=[])
    Run(config(), memory).tick(Tick(load=3.0, sessions=[ALICE]))
    assert memory == AlertMemory(sessions=[])


def test_a_condition_repeated_during_quiet_hours_is_one_line_of_the_digest(utc):
    run = Run(config(QUIET_HOURS="23:00-07:00", RESET_INTERVAL=2))
    night = 23 * 60 + 30
    for load in (2.0, 3.0, 3.0, 3.0):  # an escalation, then a reset repeats the line
        assert run.tick(Tick(load=load), minute_of_day=night) == []
    run.tick(Tick(load=0.2), minute_of_day=night)
    run.tick(Tick(load=2.5), minute_of_day=night)  # a second incident, after the recovery
    # in the morning it is still the same incident (between the recovery line and the limit)
    assert run.tick(Tick(load=1.0), minute_of_day=7 * 60) == [
        "load average 3.00 1.80 0.90 (limit 1.2)", "load back to normal: 0.20 0.12 0.06",
        "load average 2.50 1.50 0.75 (limit 1.2)"]
