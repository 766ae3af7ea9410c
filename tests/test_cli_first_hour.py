"""A newcomer's first hour (issue 19): --version, the start-up line, one log line per event,
test-sms results once, a private log file."""

from __future__ import annotations

import os
import re
import stat
import sys

from cli_support import REPO, run_command, run_ttalertd
from replay_support import HOST, scenario

import ttalertd

HOG = scenario("hog-load-login")
LINES = ["alice logged on pts/0 from 10.0.0.5", "load average 3.52 2.10 1.30 (limit 1.2)",
         "cpu 99.5% pid 4242 bob python3: python3 spin.py"]


def test_version_prints_the_name_and_version(tmp_path):
    done = run_ttalertd("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"ttalertd {ttalertd.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", ttalertd.__version__)
    with open(os.path.join(REPO, "pyproject.toml")) as f:  # the package's version is this one
        assert 'version = {attr = "ttalertd.__version__"}' in f.read()


def test_a_console_message_is_printed_once_and_logged_in_one_short_line(tmp_path):
    done = run_ttalertd("--once", "--replay", HOG, "--state", str(tmp_path / "m.json"),
                        cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "\n".join([HOST, *LINES]) + "\n"
    assert "sent to console: 3 lines" in done.stderr
    assert not any(line in done.stderr for line in LINES)  # not logged again in full


def test_dry_run_logs_the_message_it_printed(tmp_path):
    # interface.md section 1: --dry-run prints each message and logs it
    done = run_ttalertd("--once", "--dry-run", "--replay", HOG, "--state",
                        str(tmp_path / "m.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sent to console: " + " / ".join([HOST, *LINES]) in done.stderr


def test_test_sms_prints_each_result_once(tmp_path):
    done = run_ttalertd("test-sms", cwd=tmp_path)  # no config: the console
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("console: sent") == 1
    assert "console" not in done.stderr and "test message" not in done.stderr


def test_the_daemon_says_how_it_started(tmp_path):
    state = tmp_path / "m.json"
    done = run_ttalertd("--dry-run", "--replay", HOG, "--state", str(state), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    started = [line for line in done.stderr.splitlines() if " started: " in line]
    assert len(started) == 1
    trace = re.escape(str(state.with_suffix(".trace.jsonl")))  # the default: next to the state
    assert re.search(
        r"started: config none \(built-in defaults\); notifiers console \(--dry-run: nothing is "
        rf"sent\); interval 60 s; state {re.escape(str(state))}; trace {trace}; "
        r"first tick at once \(replay\)$", started[0]), started[0]


ROTATE = """
import logging, os, sys
from ttalertd.logsetup import setup_logging
os.umask(0o022)
log = sys.argv[1]
setup_logging(log)
logging.getLogger("ttalertd").info("before the rotation")
os.rename(log, log + ".1")  # what logrotate does; the handler reopens the file at the next line
logging.getLogger("ttalertd").info("after the rotation")
"""


def test_the_log_file_is_created_private_whatever_the_umask_and_after_a_rotation(tmp_path):
    log = tmp_path / "ttalertd.log"
    done = run_command([sys.executable, "-c", ROTATE, str(log)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rotated = tmp_path / "ttalertd.log.1"
    assert "before the rotation" in rotated.read_text() and "after" in log.read_text()
    assert stat.S_IMODE(rotated.stat().st_mode) == stat.S_IMODE(log.stat().st_mode) == 0o600
