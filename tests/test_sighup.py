"""A live daemon: SIGHUP rereads the config (a bad one is refused), SIGTERM stops it with state
saved."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest
from cli_support import ttalertd_command
from fixture_writer import USER_PROCESS, utmp  # fixtures/ is on pytest's pythonpath
from replay_support import HOST, env

WAIT = 15.0  # generous bound for anything the daemon should do within a few ticks
QUIET_LIVE = ("  ALERT_INTERVAL: {interval}\n  LOAD_AVG_MAX: 100000\n  CPU_LIMIT: 100000\n"
              "  MEM_AVAILABLE_MIN: null\n  DISK_FREE_MIN: null\n  MAX_SMS_PER_HOUR: 1000\n")


class Daemon:
    """`ttalertd --dry-run` on the live system, logins from a utmp file the test writes."""

    def __init__(self, tmp_path, config_text: str) -> None:
        self.dir = tmp_path
        self.config = tmp_path / "credentials.yml"
        self.utmp = tmp_path / "utmp"
        self.state = tmp_path / "memory.json"
        self.write_config(config_text)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.sessions: dict[str, bytes] = {}
        self.set_logins()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ttalertd_command("--dry-run", "--config", str(self.config),
                             "--state", str(self.state), "--utmp", str(self.utmp)),
            cwd=str(self.dir), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        for stream, sink in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _pump(stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))

    def write_config(self, text: str) -> None:
        tmp = self.dir / "credentials.tmp"
        tmp.write_text(text)
        tmp.chmod(0o600)
        os.replace(tmp, self.config)

    def set_logins(self, **sessions: tuple[int, str, str]) -> None:
        """Replace the utmp file: user=(pid, line, host), atomically."""
        data = b"".join(utmp(USER_PROCESS, pid, line, user, host, 1_764_000_600, line[-4:])
                        for user, (pid, line, host) in sessions.items())
        tmp = self.dir / "utmp.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.utmp)

    def ticks(self) -> int:
        return sum(1 for line in self.stderr if "ttalertd: tick " in line)

    def wait_for(self, what, label: str) -> None:
        deadline = time.monotonic() + WAIT
        while not what():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daemon never {label}; stderr:\n" + "\n".join(self.stderr[-20:]))
            time.sleep(0.02)

    def wait_ticks(self, count: int = 2) -> None:
        """Wait until `count` more ticks have run (so a change made before is seen)."""
        target = self.ticks() + count
        self.wait_for(lambda: self.ticks() >= target, f"ran {count} more ticks")

    def lines(self) -> list[str]:
        return [line for line in self.stdout if line != HOST]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=WAIT)


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path, "defaults:\n" + QUIET_LIVE.format(interval=1)
               + "  TRUSTED_LOGINS: ['mallory']\n")
    yield d
    if getattr(d, "proc", None) is not None and d.proc.poll() is None:
        d.proc.kill()
        d.proc.wait()


def test_sighup_keeps_the_old_config_on_error_and_applies_a_good_one_with_state_kept(daemon):
    daemon.set_logins(alice=(1300, "pts/0", "10.0.0.5"))
    daemon.start()
    daemon.wait_ticks(1)
    daemon.set_logins(alice=(1300, "pts/0", "10.0.0.5"), mallory=(1400, "pts/5", "203.0.113.9"))
    daemon.wait_ticks()
    assert daemon.lines() == []  # alice is the baseline; mallory is trusted

    daemon.write_config("defaults:\n  FOR_TICKS: two\n")
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda: any("SIGHUP" in line for line in daemon.stderr), "logged the reload")
    refused = [line for line in daemon.stderr if "SIGHUP" in line]
    assert len(refused) == 1 and "FOR_TICKS" in refused[0] and "keeping" in refused[0]
    # the running config stays: mallory (trusted) leaves unannounced, dave is told
    daemon.set_logins(alice=(1300, "pts/0", "10.0.0.5"), dave=(1500, "pts/6", "192.168.1.20"))
    daemon.wait_for(lambda: daemon.lines(), "told dave's login")
    daemon.wait_ticks()
    assert daemon.lines() == ["dave logged on pts/6 from 192.168.1.20"]

    daemon.write_config("defaults:\n" + QUIET_LIVE.format(interval=1))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda: any("config reloaded" in line for line in daemon.stderr),
                    "reloaded the config")
    daemon.wait_ticks(1)
    # mallory is no longer trusted; dave's logout needs the remembered sessions: state kept
    daemon.set_logins(alice=(1300, "pts/0", "10.0.0.5"), mallory=(1600, "pts/7", "203.0.113.9"))
    daemon.wait_for(lambda: len(daemon.lines()) >= 3, "told the new login and the logout")
    daemon.wait_ticks()
    assert daemon.lines() == ["dave logged on pts/6 from 192.168.1.20",
                              "mallory logged on pts/7 from 203.0.113.9",
                              "dave logged off pts/6"]
    assert daemon.stop() == 0


def test_sigterm_stops_a_sleeping_daemon_promptly_with_its_state_saved(tmp_path):
    daemon = Daemon(tmp_path, "defaults:\n" + QUIET_LIVE.format(interval=3600))
    daemon.set_logins(alice=(1300, "pts/0", "10.0.0.5"))
    daemon.start()
    try:
        # the baseline is read at start; then the daemon sleeps towards a tick an hour away
        daemon.wait_for(lambda: any("logins read from" in line for line in daemon.stderr),
                        "read its baseline")
        time.sleep(0.3)
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=5.0) == 0  # a generous bound for "within a second"
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    with open(daemon.state) as f:
        saved = json.load(f)["memory"]
    assert saved["sessions"] == [["alice", "pts/0", "10.0.0.5"]]
    assert any("state saved" in line for line in daemon.stderr)


def test_a_shorter_interval_after_sighup_applies_without_waiting_out_the_old_one(tmp_path):
    # the old interval is an hour: a tick before it is over can only come from the new one
    daemon = Daemon(tmp_path, "defaults:\n" + QUIET_LIVE.format(interval=3600))
    daemon.start()
    try:
        daemon.wait_for(lambda: any("started:" in line for line in daemon.stderr), "started")
        started = next(line for line in daemon.stderr if "started:" in line)
        assert f"config {daemon.config};" in started and "interval 3600 s;" in started
        assert f"state {daemon.state};" in started and "notifiers console (--dry-run" in started
        assert re.search(r"first tick \d\d:\d\d:\d\d$", started), started
        assert daemon.ticks() == 0
        # 1 s after the baseline has passed by now: the next tick is due at once, then every 1 s
        daemon.write_config("defaults:\n" + QUIET_LIVE.format(interval=1))
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_ticks(2)
        reloaded = [n for n, line in enumerate(daemon.stderr) if "config reloaded" in line]
        first_tick = next(n for n, line in enumerate(daemon.stderr) if "ttalertd: tick " in line)
        assert reloaded and reloaded[0] < first_tick
        assert daemon.stop() == 0
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()


def test_a_sighup_during_start_up_never_kills_the_daemon(tmp_path):
    """`systemctl reload` right after `start`: SIGHUPs while the config is still being read.

    The config is a FIFO, so the daemon is held mid-start-up (in its config read) for as long as
    the test likes; the test serves the config on it for every read, the reload's included."""
    text = "defaults:\n" + QUIET_LIVE.format(interval=1)
    daemon = Daemon(tmp_path, text)
    os.remove(daemon.config)
    os.mkfifo(daemon.config)
    opened, served, done = threading.Event(), threading.Event(), threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                with open(daemon.config, "w") as fifo:  # blocks until the daemon opens it
                    if done.is_set():
                        return
                    opened.set()
                    served.wait()  # the first read is held until the SIGHUPs are sent
                    fifo.write(text)
            except BrokenPipeError:  # a reader that went away: serve the next one
                continue

    server = threading.Thread(target=serve, daemon=True)
    daemon.start()
    try:
        server.start()
        deadline = time.monotonic() + WAIT
        assert opened.wait(WAIT), "the daemon never opened its config"
        for _ in range(5):  # the daemon is blocked reading its config: mid start-up
            daemon.proc.send_signal(signal.SIGHUP)
            time.sleep(0.01)
        assert daemon.proc.poll() is None, f"killed by SIGHUP: {daemon.proc.returncode}"
        served.set()
        while not any("logins read from" in line for line in daemon.stderr):
            daemon.proc.send_signal(signal.SIGHUP)  # and through the rest of the start-up
            assert daemon.proc.poll() is None, "\n".join(daemon.stderr)
            assert time.monotonic() < deadline
            time.sleep(0.01)
        daemon.wait_for(lambda: any("config reloaded" in line for line in daemon.stderr),
                        "reloaded the config")
        assert daemon.proc.poll() is None
        assert daemon.stop() == 0
    finally:
        done.set()
        os.close(os.open(daemon.config, os.O_RDONLY | os.O_NONBLOCK))  # frees a blocked server
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
