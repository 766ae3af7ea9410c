"""Twilio faults end to end through the CLI: `ttalertd --once --replay S` against the stand-in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest
from faults_helpers import (
    SID,
    TOKEN,
    assert_no_traceback,
    cli_command,
    cli_env,
    log_records,
    login_line,
    outbox_texts,
    run_cli,
    write_config,
    write_login_storm,
)
from twilio_standin import Fault, TwilioStandin

MESSAGE = f"{socket.gethostname()}\n{login_line(1)}"  # what sample 1 of the storm alerts


class Run:
    """One scenario, config, state file and log file in a tmp dir; every run's output kept."""

    def __init__(self, tmp_path, api_url: str) -> None:
        self.dir = str(tmp_path)
        self.scenario = str(tmp_path / "scenario")
        write_login_storm(self.scenario, 2)
        self.config = write_config(str(tmp_path / "credentials.yml"), api_url=api_url)
        self.state = str(tmp_path / "memory.json")
        self.log = str(tmp_path / "ttalertd.log")
        self.outputs: list[str] = []

    def args(self, *, once: bool = True) -> list[str]:
        once_arg = ["--once"] if once else []
        return [*once_arg, "--replay", self.scenario, "--state", self.state,
                "--config", self.config, "--log", self.log]

    def once(self, twilio_timeout: float | None = None) -> subprocess.CompletedProcess:
        result = run_cli(*self.args(), cwd=self.dir, twilio_timeout=twilio_timeout)
        self.outputs += [result.stdout, result.stderr]
        assert_no_traceback(result)
        return result

    def assert_token_never_shown(self) -> None:
        with open(self.log) as f:
            log_text = f.read()
        with open(self.state) as f:
            state_text = f.read()
        # the texts searched hold what a leak would be in: the log of the sends, the kept outbox
        assert "sms:" in log_text and '"outbox"' in state_text
        self.outputs += [log_text, state_text]
        for text in self.outputs:
            assert TOKEN not in text


@pytest.fixture
def standin():
    server = TwilioStandin(credentials={SID: TOKEN}).start()
    yield server
    server.stop()


def test_refused_connection_keeps_the_message_then_delivers_it_exactly_once(tmp_path, standin):
    standin.stop()  # Twilio is down: connections to its port are refused
    run = Run(tmp_path, standin.url)
    down = run.once()
    assert down.returncode == 1
    assert outbox_texts(run.state) == [MESSAGE]
    assert "not delivered to sms:" in down.stderr
    standin.start()  # back, on the same port
    back = run.once()
    assert back.returncode == 0
    assert [r.body for r in standin.received] == [MESSAGE]
    assert outbox_texts(run.state) == []
    assert run.once().returncode == 0  # a later run sends nothing again
    assert len(standin.received) == 1
    run.assert_token_never_shown()


def test_400_invalid_to_number_is_logged_once_with_the_code_and_not_retried(tmp_path, standin):
    standin.fault = Fault(400, 21211, "The 'To' number +15551234567 is not a valid phone number.")
    run = Run(tmp_path, standin.url)
    refused = run.once()
    assert refused.returncode == 1
    (record,) = [r for r in log_records(refused.stderr) if "21211" in r]  # logged once
    assert " ERROR " in record and "refused for good" in record
    assert login_line(1) in record  # the lost message's text is in the log
    assert outbox_texts(run.state) == []
    standin.fault = None
    later = run.once()
    assert later.returncode == 0
    assert standin.attempts == 1 and standin.received == []  # never retried
    assert "21211" not in later.stderr
    run.assert_token_never_shown()


def test_a_hang_past_the_timeout_keeps_the_message(tmp_path, standin):
    standin.hang = True
    run = Run(tmp_path, standin.url)
    hung = run.once(twilio_timeout=3.0)  # the child's start-up counts
    assert hung.returncode == 1
    assert outbox_texts(run.state) == [MESSAGE]
    assert standin.attempts == 1
    standin.hang = False
    assert run.once().returncode == 0
    assert [r.body for r in standin.received] == [MESSAGE]
    run.assert_token_never_shown()


def start_daemon_until_sending(run: Run, standin: TwilioStandin) -> subprocess.Popen:
    """The replaying daemon, once its first send has reached the (hanging) stand-in."""
    daemon = subprocess.Popen(cli_command(*run.args(once=False)), cwd=run.dir, env=cli_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while standin.attempts == 0:
        if daemon.poll() is not None or time.monotonic() > deadline:
            daemon.kill()
            daemon.wait()
            pytest.fail("the daemon exited, or never reached the stand-in, before it sent")
        time.sleep(0.02)
    return daemon


def test_sigkill_mid_send_then_restart_delivers_at_least_once(tmp_path, standin):
    standin.hang = True  # the stand-in holds the request until the daemon is killed
    run = Run(tmp_path, standin.url)
    daemon = start_daemon_until_sending(run, standin)
    try:
        os.kill(daemon.pid, signal.SIGKILL)
        assert daemon.wait(timeout=30) == -signal.SIGKILL
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    standin.hang = False
    assert standin.received == []
    assert outbox_texts(run.state) == [MESSAGE]  # on disk before the first try
    restarted = run_cli(*run.args(once=False), cwd=run.dir)
    assert_no_traceback(restarted)
    assert restarted.returncode == 0
    bodies = [r.body for r in standin.received]
    assert 1 <= len(bodies) <= 2 and set(bodies) == {MESSAGE}
    with open(run.state) as f:
        assert json.load(f)["outbox"]["entries"] == []


def test_sigterm_mid_send_stops_at_once_and_keeps_the_message(tmp_path, standin):
    standin.hang = True  # the send would block for the whole 10 s HTTP timeout
    run = Run(tmp_path, standin.url)
    daemon = start_daemon_until_sending(run, standin)
    try:
        os.kill(daemon.pid, signal.SIGTERM)
        returncode = daemon.wait(timeout=5)  # the stand-in still holds the request
        stderr = daemon.stderr.read()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        standin.hang = False
    assert returncode == 0, stderr
    assert "Traceback" not in stderr and "stays kept" in stderr
    assert outbox_texts(run.state) == [MESSAGE]
    restarted = run_cli(*run.args(once=False), cwd=run.dir)
    assert_no_traceback(restarted)
    assert MESSAGE in [r.body for r in standin.received]
