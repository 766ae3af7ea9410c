"""The live system's own utmp drops sessions whose pid is gone, as `who` does (section 4).

The system file is /var/run/utmp: the test gives it its own content in a private mount
namespace (unshare -m, root only), so the machine's real file is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from cli_support import cli_env
from utmp_writer import utmp_record

USER_PROCESS = 7
READ = ("import proc\n"
        "print([(s.user, s.pid) for s in proc.ProcFS('/').sessions()])\n"
        "print([(s.user, s.pid) for s in proc.ProcFS('/', '/var/run/utmp').sessions()])\n")


def gone_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()  # reaped: its pid is free (and reused only after the pid space wraps)
    return child.pid


def private_namespace_works() -> bool:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        return False
    done = subprocess.run([unshare, "-m", "--propagation", "private", "true"],
                          capture_output=True, check=False, timeout=30)
    return done.returncode == 0


@pytest.mark.skipif(not private_namespace_works(),
                    reason="needs a private mount namespace (root and unshare -m)")
def test_the_live_utmp_drops_sessions_whose_pid_is_gone(tmp_path):
    dead, alive = gone_pid(), os.getpid()
    machine = os.uname().machine
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "utmp").write_bytes(
        utmp_record(USER_PROCESS, alive, "pts/0", "alice", "10.0.0.5", 1764000600,
                    machine=machine)
        + utmp_record(USER_PROCESS, dead, "pts/1", "bob", "10.0.0.6", 1764000601,
                      machine=machine))
    target = os.path.realpath("/var/run")  # /run where /var/run is its symlink
    script = f"mount --bind '{run_dir}' '{target}' && exec '{sys.executable}' -c \"$0\""
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, READ],
                          capture_output=True, text=True, env=cli_env(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    live, named = done.stdout.splitlines()
    assert live == str([("alice", alive)])  # bob's pid is gone: dropped from the system file
    assert named == str([("alice", alive), ("bob", dead)])  # --utmp: read as it is
