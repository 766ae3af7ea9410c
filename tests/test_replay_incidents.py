"""The replaying daemon and --once on the incident scenarios: exactly the messages expected."""

from __future__ import annotations

import json

import pytest
from replay_support import HOST, INCIDENTS, messages, replay_args, run_ttalertd

from ttalertd.notify.message import MAX_MESSAGE_CHARS

WHOLE_LIFE = [name for name in INCIDENTS if name != "many-logins-cut"]


@pytest.mark.parametrize("name", WHOLE_LIFE)
def test_daemon_replay_sends_exactly_the_expected_messages(name, tmp_path):
    result = run_ttalertd(*replay_args(name, str(tmp_path / "memory.json"), once=False),
                          cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    expected = [lines for lines in INCIDENTS[name].messages if lines]
    assert messages(result.stdout) == expected


@pytest.mark.parametrize("name", WHOLE_LIFE)
def test_once_sends_the_first_tick_of_the_scenario(name, tmp_path):
    result = run_ttalertd(*replay_args(name, str(tmp_path / "memory.json"), once=True),
                          cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    first = INCIDENTS[name].messages[0]
    assert messages(result.stdout) == ([first] if first else [])


def test_second_once_run_on_the_same_state_repeats_nothing(tmp_path):
    state = str(tmp_path / "memory.json")
    first = run_ttalertd(*replay_args("hog-load-login", state, once=True), cwd=str(tmp_path))
    assert messages(first.stdout) == [[
        "alice logged on pts/0 from 10.0.0.5", "load average 3.52 2.10 1.30 (limit 1.2)",
        "cpu 99.5% pid 4242 bob python3: python3 spin.py"]]
    # the second run sees the same hog, load and session: the same condition, not news
    second = run_ttalertd(*replay_args("hog-load-login", state, once=True), cwd=str(tmp_path))
    assert (second.returncode, second.stdout) == (0, "")
    with open(state) as f:
        memory = json.load(f)["memory"]
    assert memory["tick"] == 2 and set(memory["conditions"]) == {"load", "cpu:python3"}


def test_a_login_made_while_nothing_ran_is_told_from_the_state_file(tmp_path):
    state = str(tmp_path / "memory.json")
    before = run_ttalertd(*replay_args("login-state-before", state, once=True),
                          cwd=str(tmp_path))
    assert before.stdout == ""
    away = run_ttalertd(*replay_args("login-while-away", state, once=True), cwd=str(tmp_path))
    assert messages(away.stdout) == [["bob logged on tty1",
                                      "carol logged on pts/1 from 2001:db8::7"]]


def test_without_a_state_file_the_first_sample_is_the_baseline(tmp_path):
    away = run_ttalertd(*replay_args("login-while-away", str(tmp_path / "m.json"), once=True),
                        cwd=str(tmp_path))
    assert (away.returncode, away.stdout) == (0, "")


def test_a_new_boot_id_against_the_state_file_is_told_once(tmp_path):
    state = str(tmp_path / "memory.json")
    run_ttalertd(*replay_args("hog-load-login", state, once=True), cwd=str(tmp_path))
    after = run_ttalertd(*replay_args("after-reboot", state, once=True), cwd=str(tmp_path))
    assert messages(after.stdout) == [[
        "rebooted at 2025-11-24 19:20 (down 183 min, no clean shutdown: last tick 16:16)",
        "alice logged off pts/0",
        "load back to normal: 0.80 0.20 0.07", "python3 (pid 4242) exited"]]
    again = run_ttalertd(*replay_args("after-reboot", state, once=True), cwd=str(tmp_path))
    assert again.stdout == ""


def test_a_message_over_1600_characters_is_cut_with_the_count_left_out(tmp_path):
    result = run_ttalertd(*replay_args("many-logins-cut", str(tmp_path / "m.json"), once=True),
                          cwd=str(tmp_path))
    (lines,) = messages(result.stdout)
    wanted = INCIDENTS["many-logins-cut"].messages[0]
    kept, marker = lines[:-1], lines[-1]
    # every kept line is whole and in file order; the marker counts exactly the rest
    assert kept == wanted[:len(kept)]
    assert marker == f"(+{len(wanted) - len(kept)} more)"
    text = "\n".join([HOST, *lines])
    assert len(text) <= MAX_MESSAGE_CHARS
    # and no more could have been kept: one more line plus its marker would not fit
    longer = "\n".join([HOST, *wanted[:len(kept) + 1], f"(+{len(wanted) - len(kept) - 1} more)"])
    assert len(longer) > MAX_MESSAGE_CHARS


def test_a_reboot_after_a_clean_stop_says_so(tmp_path):
    state = str(tmp_path / "memory.json")
    # a replaying daemon that runs out of samples stops cleanly, with its state saved
    before = run_ttalertd(*replay_args("reboot-stop-before", state, once=False),
                          cwd=str(tmp_path))
    assert messages(before.stdout) == [["cpu 99.0% pid 4242 erin xmrig: ./xmrig -o pool"]]
    after = run_ttalertd(*replay_args("reboot-stop-after", state, once=False), cwd=str(tmp_path))
    assert messages(after.stdout) == [[
        "rebooted at 2025-11-24 16:30 (down 13 min, clean shutdown)", "xmrig (pid 4242) exited"]]


def test_a_reboot_after_a_run_that_did_not_stop_cleanly_says_when_it_last_ticked(tmp_path):
    state = str(tmp_path / "memory.json")
    # a --once run ends without a stop: as after a crash, the state says only its last tick
    run_ttalertd(*replay_args("reboot-stop-before", state, once=True), cwd=str(tmp_path))
    after = run_ttalertd(*replay_args("reboot-stop-after", state, once=True), cwd=str(tmp_path))
    assert messages(after.stdout) == [[
        "rebooted at 2025-11-24 16:30 (down 13 min, no clean shutdown: last tick 16:16)",
        "xmrig (pid 4242) exited"]]
