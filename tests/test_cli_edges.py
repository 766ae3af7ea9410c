"""Edges of the outside surface: a missing root, an unreadable user, login times, a broken
sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from cli_support import run_ttalertd
from fixture_writer import USER_PROCESS, UTMP_RECORD  # fixtures/ is not a package

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_ttalertd(*args, cwd=cwd)


def test_a_root_that_does_not_exist_is_a_command_line_error(tmp_path):
    for args in (["snapshot"], ["--once", "--dry-run"]):
        done = run(*args, "--root", str(tmp_path / "nowhere"), cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "--root" in done.stderr.splitlines()[-1]


def test_a_user_that_cannot_be_read_is_null(tmp_path):
    scenario = tmp_path / "hog"
    shutil.copytree(FIXTURES / "cpu-hog", scenario)
    os.remove(scenario / "1" / "proc" / "4242" / "status")
    done = run("snapshot", "--json", "--replay", str(scenario), "-n", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["top"][0]["pid"] == 4242
    assert json.loads(done.stdout)["top"][0]["user"] is None


def test_login_times_are_shown_in_whole_seconds(tmp_path):
    utmp = tmp_path / "utmp"
    record = UTMP_RECORD.pack(USER_PROCESS, 4321, b"pts/3", b"ts/3", b"alice", b"10.0.0.5",
                              0, 0, 0, 1_764_000_000, 500_000, b"", b"")
    utmp.write_bytes(record)
    done = run("snapshot", "--json", "--root", str(FIXTURES / "idle-host" / "0"),
               "--utmp", str(utmp), cwd=tmp_path)
    assert json.loads(done.stdout)["users"] == [{
        "user": "alice", "line": "pts/3", "host": "10.0.0.5", "pid": 4321,
        "since": "2025-11-24T16:00:00+00:00"}]


def test_a_replayed_sample_without_proc_is_skipped_with_a_warning(tmp_path):
    scenario = tmp_path / "broken"
    shutil.copytree(FIXTURES / "cpu-hog", scenario)
    shutil.copytree(FIXTURES / "cpu-hog" / "1", scenario / "2")
    shutil.rmtree(scenario / "1" / "proc")
    done = run("--dry-run", "--replay", str(scenario), "--state", str(tmp_path / "m.json"),
               cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "no such directory" in done.stderr

