"""supervisord.conf under real supervisord (PyPI `supervisor`), driven through supervisorctl."""

import configparser
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from cli_support import cli_env, console_script

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "supervisord.conf"
# the path the in-place conf runs: the venv of the README quick start
IN_PLACE_BIN = "%(here)s/.venv/bin/ttalertd"
# upper bound for every wait: a failure deadline, not a timing assertion
DEADLINE_S = 30.0

TEST_CONFIG = """\
defaults:
    LOAD_AVG_MAX: 1000.0
    CPU_LIMIT: 100000.0
    ALERT_INTERVAL: 1.0
    RESET_INTERVAL: 60.0
"""


def copy_conf(workdir: Path, ttalertd_bin: Path) -> Path:
    """Copy supervisord.conf into workdir, rewriting only the daemon's path to ttalertd_bin."""
    text = CONF.read_text()
    assert text.count(IN_PLACE_BIN) == 1, f"{CONF} no longer runs {IN_PLACE_BIN}"
    conf = workdir / "supervisord.conf"
    conf.write_text(text.replace(IN_PLACE_BIN, str(ttalertd_bin)))
    (workdir / "run").mkdir()
    return conf


def supervisorctl(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(conf), *args],
        capture_output=True, text=True, timeout=DEADLINE_S, stdin=subprocess.DEVNULL,
        check=False,
    )


def wait_for(what: str, predicate, describe) -> None:
    """Poll predicate until it holds; fail with describe() once DEADLINE_S has passed."""
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}: {describe()}")
        time.sleep(0.2)


def status_line(conf: Path) -> str:
    return supervisorctl(conf, "status", "ttalertd").stdout.strip()


def valid_json_file(path: Path) -> bool:
    try:
        json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return True


def run_under_supervisord(workdir: Path, ttalertd_bin: Path) -> None:
    """Start supervisord on a copy of the conf, see ttalertd RUNNING and ticking, stop it."""
    conf = copy_conf(workdir, ttalertd_bin)
    (workdir / "credentials.yml").write_text(TEST_CONFIG)
    state = workdir / "run" / "memory.json"
    supervisord_log = workdir / "run" / "supervisord.log"
    daemon_log = workdir / "run" / "ttalertd.log"

    def logs() -> str:
        return "\n".join(
            f"--- {p.name}:\n{p.read_text(errors='replace')}"
            for p in (supervisord_log, daemon_log) if p.exists()
        )

    with open(workdir / "supervisord.out", "wb") as out:
        # -n: in the foreground, so this test owns the process and can always end it
        supervisord = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(conf)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=cli_env(), cwd=workdir,
        )
    try:
        def running() -> bool:
            line = status_line(conf)
            if "FATAL" in line:  # supervisord gave up restarting it: no use waiting
                pytest.fail(f"{line!r}\n{logs()}")
            return "RUNNING" in line

        wait_for("ttalertd RUNNING", running, lambda: f"{status_line(conf)!r}\n{logs()}")
        # the daemon saves its state after every tick; with ALERT_INTERVAL 1 one comes soon
        wait_for("a tick's memory.json", lambda: valid_json_file(state), logs)
        state.unlink()  # what is there after the stop was written by the stop itself or a tick

        stop = supervisorctl(conf, "stop", "ttalertd")
        assert "stopped" in stop.stdout, stop.stdout + stop.stderr + logs()
        assert "STOPPED" in status_line(conf)
        wait_for("the stop in supervisord.log",
                 lambda: "stopped: ttalertd (" in supervisord_log.read_text(), logs)
        # exited by itself on SIGTERM: not "terminated by SIGKILL" after stopwaitsecs
        assert "stopped: ttalertd (exit status 0)" in supervisord_log.read_text(), logs()
        assert valid_json_file(state), logs()
    finally:
        try:
            supervisorctl(conf, "shutdown")
            supervisord.wait(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            supervisord.kill()
            supervisord.wait()
    assert supervisord.returncode == 0, logs()


def test_supervisord_runs_and_stops_ttalertd_cleanly():
    # a short path: the unix socket's path must stay under 108 bytes
    workdir = Path(tempfile.mkdtemp(prefix="ttsv-"))
    try:
        # the conf's command, as the quick start installs it: this checkout's ttalertd
        run_under_supervisord(workdir, console_script(workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_supervisord_conf_keeps_everything_under_its_own_folder():
    parser = configparser.RawConfigParser()
    parser.read(CONF)
    program = parser["program:ttalertd"]
    assert program["autorestart"] == "true"
    assert program["stopsignal"] == "TERM"
    # the daemon stops within a second; leave it room before supervisord sends SIGKILL
    assert int(program["stopwaitsecs"]) >= 2
    assert program["command"].split()[0] == IN_PLACE_BIN
    paths = [
        parser["supervisord"]["logfile"], parser["supervisord"]["pidfile"],
        parser["supervisord"]["childlogdir"], parser["unix_http_server"]["file"],
        program["stdout_logfile"], program["directory"],
    ]
    assert all(p.startswith("%(here)s") for p in paths), paths
    # runs as whoever starts it
    assert not any(parser.has_option(s, "user") for s in parser.sections())


@pytest.mark.skipif(not (REPO / ".git").exists() or shutil.which("git") is None,
                    reason="not a git work tree")
def test_run_folder_exists_and_git_ignores_what_supervisord_writes():
    assert (REPO / "run").is_dir()
    for name in ("memory.json", "supervisord.log", "supervisord.sock", "ttalertd.log"):
        ignored = subprocess.run(
            ["git", "-C", str(REPO), "check-ignore", "-q", f"run/{name}"], check=False
        )
        assert ignored.returncode == 0, f"git does not ignore run/{name}"
