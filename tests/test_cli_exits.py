"""Exit codes and outputs of the command line: bad config, bad usage, check-config, snapshot,
--root."""

from __future__ import annotations

import json
import os

import pytest
from replay_support import messages, run_ttalertd, scenario

HOG = scenario("hog-load-login")

BAD_CONFIGS = [
    ("defaults:\n  FOR_TICKS: two\n", "FOR_TICKS"),
    ("defaults:\n  LOAD_AVG_MAX: -1\n", "LOAD_AVG_MAX"),
    ("defaults:\n  RECOVER_RATIO: 1.5\n", "RECOVER_RATIO"),
    ("defaults:\n  QUIET_HOURS: 23:00-07:00x\n", "QUIET_HOURS"),
    ("defaults:\n  QUIET_HOURS: 25:00-07:00\n", "QUIET_HOURS"),
    ("defaults:\n  TRUSTED_LOGINS: ['@10.0.0.0/33']\n", "TRUSTED_LOGINS"),
    ("defaults:\n  EXCLUDE_PROCESSES: ['(unclosed']\n", "EXCLUDE_PROCESSES"),
    ("defaults:\n  NOTIFY_RECOVERY: maybe\n", "NOTIFY_RECOVERY"),
    ("defaults:\n  DISK_FREE_MIN: 150\n", "DISK_FREE_MIN"),
    ("defaults:\n  NO_SUCH_KEY: 1\n", "NO_SUCH_KEY"),
    (('twilio:\n  - "AC00000000000000000000000000000001"\n  - "secret-token-123"\n'
      '  - +15551234567\n  - "+18885551234"\n'), "twilio"),
    ("defaults:\n  LOAD_AVG_MAX: [1\n", "line"),
]


@pytest.mark.parametrize("command", [["check-config"], ["--once", "--dry-run", "--replay", HOG]])
@pytest.mark.parametrize("text, key", BAD_CONFIGS)
def test_a_bad_config_exits_2_with_one_line_naming_the_key(tmp_path, text, key, command):
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    path.chmod(0o600)
    result = run_ttalertd(*command, "--config", str(path), *(
        ["--state", str(tmp_path / "m.json")] if "--once" in command else []), cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and key in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "secret-token-123" not in result.stderr


@pytest.mark.parametrize("args", [
    ["--no-such-option"],
    ["--once", "--top", "0"],
    ["--once", "--window", "-1"],
    ["--once", "--root", "/", "--replay", HOG],
    ["record"],
    ["snapshot", "--top", "many"],
    ["no-such-command"],
])
def test_a_bad_command_line_exits_2_with_usage(tmp_path, args):
    result = run_ttalertd(*args, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "usage: ttalertd" in result.stderr and "error:" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_check_config_with_no_config_file_reports_the_defaults(tmp_path):
    result = run_ttalertd("check-config", cwd=str(tmp_path))
    assert result.returncode == 0
    assert "built-in defaults" in result.stdout and "console" in result.stdout


def test_check_config_with_a_named_file_that_does_not_exist_exits_2(tmp_path):
    result = run_ttalertd("check-config", "--config", str(tmp_path / "nope.yml"),
                          cwd=str(tmp_path))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


def test_a_replay_with_one_sample_for_once_exits_2(tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    os.symlink(os.path.join(HOG, "0"), one / "0")
    result = run_ttalertd("--once", "--dry-run", "--replay", str(one), "--state",
                          str(tmp_path / "m.json"), cwd=str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_snapshot_json_shape(tmp_path):
    result = run_ttalertd("snapshot", "--json", "--replay", HOG, "-n", "3", cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["load"] == {"one": 3.52, "five": 2.1, "fifteen": 1.3}
    assert doc["users"] == [{"user": "alice", "line": "pts/0", "host": "10.0.0.5", "pid": 1300,
                             "since": "2025-11-24T16:10:00+00:00"}]
    assert doc["top"] == [
        {"pid": 4242, "user": "bob", "name": "python3", "cmdline": "python3 spin.py",
         "cpu": 99.5},
        {"pid": 1, "user": "root", "name": "systemd", "cmdline": "/sbin/init splash", "cpu": 0.0},
        {"pid": 2, "user": "root", "name": "kthreadd", "cmdline": "[kthreadd]", "cpu": 0.0}]


def test_root_reads_one_sample_twice(tmp_path):
    root = os.path.join(HOG, "1")
    snap = run_ttalertd("snapshot", "--json", "--root", root, cwd=str(tmp_path))
    doc = json.loads(snap.stdout)
    assert [p["cpu"] for p in doc["top"]] == [0.0] * 5 and doc["load"]["one"] == 3.52
    once = run_ttalertd("--once", "--dry-run", "--root", root, "--state",
                        str(tmp_path / "m.json"), cwd=str(tmp_path))
    # one sample read twice: no cpu, and its logins are the baseline; the load is news
    assert once.returncode == 0, once.stderr
    assert messages(once.stdout) == [["load average 3.52 2.10 1.30 (limit 1.2)"]]
