"""The state file's faults: a directory that cannot be written, a file replaced by garbage."""

from __future__ import annotations

import glob
import io
import json
import logging
import os
import signal
import socket
import subprocess
import time

import pytest
from faults_helpers import (
    BOOT_RECORDS,
    BTIME,
    USER_PROCESS,
    Sample,
    assert_no_traceback,
    base,
    cli_command,
    cli_env,
    login_line,
    run_cli,
    utmp,
    write_config,
    write_login_storm,
    write_sample,
)

from ttalertd.config.records import Config
from ttalertd.read.source import Source
from ttalertd.runner import Runner

HOST = socket.gethostname()


def block(path: str) -> None:
    """Make `path` a regular file, so a state file under it cannot be created (ENOTDIR, root
    too)."""
    with open(path, "w") as f:
        f.write("not a directory\n")


def unblock(path: str) -> None:
    os.remove(path)
    os.mkdir(path)


def saved_sessions(state: str) -> list[list[str]]:
    with open(state) as f:
        return json.load(f)["memory"]["sessions"]


def test_runner_keeps_alerting_while_state_cannot_be_saved_and_saves_once_it_can(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 5)
    blocker = str(tmp_path / "state")
    block(blocker)
    state = os.path.join(blocker, "memory.json")
    out = io.StringIO()
    runner = Runner(Config(), Source(replay=scenario), state, dry_run=True, stdout=out, host="h")
    runner.start()
    for _ in range(2):
        runner.tick()
    assert out.getvalue() == f"h\n{login_line(1)}\nh\n{login_line(2)}\n"  # still alerting
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and all("cannot save state" in e for e in errors)
    assert not os.path.exists(state)
    unblock(blocker)  # the problem goes away
    runner.tick()
    assert out.getvalue().endswith(f"h\n{login_line(3)}\n")
    # what was remembered in memory while saving failed is all on disk now
    assert [s[0] for s in saved_sessions(state)] == ["user0", "user1", "user2", "user3"]
    with open(state) as f:
        assert json.load(f)["memory"]["tick"] == 3


def test_cli_logs_an_unwritable_state_dir_and_still_alerts(tmp_path):
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 3)
    blocker = str(tmp_path / "state")
    block(blocker)
    args = ("--dry-run", "--replay", scenario, "--state", os.path.join(blocker, "memory.json"))
    result = run_cli(*args, cwd=str(tmp_path))
    assert_no_traceback(result)
    assert result.returncode == 0
    assert result.stdout == f"{HOST}\n{login_line(1)}\n{HOST}\n{login_line(2)}\n"
    assert "cannot save state" in result.stderr
    unblock(blocker)
    again = run_cli(*args, cwd=str(tmp_path))
    assert again.returncode == 0 and "cannot save state" not in again.stderr
    assert len(saved_sessions(os.path.join(blocker, "memory.json"))) == 3


def write_root(root: str, logins: int) -> None:
    """A one-sample root with `logins` users logged on; utmp replaced atomically."""
    records = BOOT_RECORDS + b"".join(
        utmp(USER_PROCESS, 3000 + k, f"pts/{k}", f"user{k}", f"10.0.0.{k}", BTIME + 60 * k)
        for k in range(logins))
    write_sample(root, Sample("1000.00 2000.00", "0.10 0.10 0.10 1/130 4000", base()))
    tmp = os.path.join(root, "var", "run", ".utmp.tmp")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    with open(tmp, "wb") as f:
        f.write(records)
    os.replace(tmp, os.path.join(root, "var", "run", "utmp"))


def wait_for(check, what: str, daemon: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert daemon.poll() is None, f"the daemon exited while waiting for {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def test_running_daemon_recovers_when_the_state_dir_comes_back(tmp_path):
    root, blocker = str(tmp_path / "root"), str(tmp_path / "state")
    write_root(root, 1)
    block(blocker)
    state, log, out = os.path.join(blocker, "memory.json"), str(tmp_path / "log"), tmp_path / "out"
    config = write_config(str(tmp_path / "c.yml"), ALERT_INTERVAL=1)
    with open(out, "w") as stdout:
        daemon = subprocess.Popen(
            cli_command("--dry-run", "--root", root, "--config", config, "--state", state,
                        "--log", log), cwd=str(tmp_path), env=cli_env(), stdout=stdout,
            stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: "cannot save state" in read(log), "the save error", daemon)
        write_root(root, 2)  # user1 logs on while the state cannot be saved
        wait_for(lambda: login_line(1) in read(out), "the login alert", daemon)
        unblock(blocker)
        wait_for(lambda: os.path.exists(state), "the state file", daemon)
        assert [s[0] for s in saved_sessions(state)] == ["user0", "user1"]
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert "Traceback" not in read(log)
    assert read(out) == f"{HOST}\n{login_line(1)}\n"


CORRUPT = {
    "random bytes": b"\x8b\x00\xff{garbage\xfe\n",
    "empty": b"",
    "truncated": b'{"memory": {"sessions": [["user0", "pts/0", "10.0',
    "null": b"null",
    "a list": b"[]",
}
# JSON objects with a damaged part: that part is dropped, the file is not moved aside
DAMAGED = {
    "memory not an object": b'{"memory": 5}',
    "sessions a number": b'{"memory": {"sessions": 7}}',
    "tick infinite": b'{"memory": {"tick": 1e400}}',
    "held alert of another shape": b'{"memory": {"held": [{"a": 1}]}}',
    "held alert text a number": b'{"memory": {"held": [{"kind": "load", "text": 5, "key": "x"}]}}',
    "condition level a string": (b'{"memory": {"conditions": {"load": {"kind": "load", '
                                 b'"level": "high", "firing": true, "told": true}}}}'),
    "condition labels a list": (b'{"memory": {"conditions": {"disk:/": {"kind": "disk", '
                                b'"labels": [1, 2]}}}}'),
    "condition of an unknown kind": b'{"memory": {"conditions": {"gpu": {"kind": "gpu"}}}}',
    "outbox a string": b'{"memory": 3, "outbox": "x"}',
}


def replace_state_after_a_first_run(tmp_path, garbage: bytes):
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 2)
    state = str(tmp_path / "memory.json")
    args = ("--once", "--dry-run", "--replay", scenario, "--state", state)
    first = run_cli(*args, cwd=str(tmp_path))
    assert first.returncode == 0 and saved_sessions(state)
    with open(state, "wb") as f:
        f.write(garbage)
    result = run_cli(*args, cwd=str(tmp_path))
    assert_no_traceback(result)
    assert result.returncode == 0
    assert result.stdout == f"{HOST}\n{login_line(1)}\n"  # a fresh memory: sample 0 is the baseline
    assert [s[0] for s in saved_sessions(state)] == ["user0", "user1"]
    return state, result


@pytest.mark.parametrize("garbage", CORRUPT.values(), ids=CORRUPT.keys())
def test_state_replaced_by_garbage_is_moved_aside_and_the_tick_goes_on(tmp_path, garbage):
    state, result = replace_state_after_a_first_run(tmp_path, garbage)
    assert "corrupt" in result.stderr
    (aside,) = glob.glob(state + ".corrupt-*")
    with open(aside, "rb") as f:
        assert f.read() == garbage


@pytest.mark.parametrize("garbage", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_part_is_dropped_with_a_warning_and_the_tick_goes_on(tmp_path, garbage):
    state, result = replace_state_after_a_first_run(tmp_path, garbage)
    assert "is damaged and dropped" in result.stderr
    assert not glob.glob(state + ".corrupt-*")
