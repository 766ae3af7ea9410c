"""MAX_SMS_PER_HOUR at the CLI: an alert storm on the replay's own clock, sent and dry-run."""

from __future__ import annotations

import socket
import time

import pytest
from faults_helpers import (
    SID,
    TOKEN,
    assert_no_traceback,
    log_records,
    login_line,
    run_cli,
    sample_clock,
    write_config,
    write_login_storm,
)
from twilio_standin import TwilioStandin

HOST = socket.gethostname()
SAMPLES = 8  # 10 minutes apart: ticks at samples 1..7, each with one new login


def expected_messages() -> list[str]:
    # 1, 2, 3 go; 4, 5, 6 are held (3 in the last hour); at 7 the first has left the hour
    # (half-open: it is exactly 3600 s old) and the held lines go with the tick's own
    since = time.strftime("%H:%M", time.gmtime(sample_clock(4)))
    assert since == "16:56"  # the fixture's btime is 16:00:00Z; sample 4 is 3400 s later
    sent = [f"{HOST}\n{login_line(k)}" for k in (1, 2, 3)]
    held = [login_line(k) for k in (4, 5, 6)]
    return [*sent, "\n".join([HOST, f"held since {since}:", *held, login_line(7)])]


def run_storm(tmp_path, *extra: str, api_url: str | None = None):
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, SAMPLES)
    config = write_config(str(tmp_path / "credentials.yml"), api_url=api_url, MAX_SMS_PER_HOUR=3)
    result = run_cli("--replay", scenario, "--config", config,
                     "--state", str(tmp_path / "memory.json"), *extra, cwd=str(tmp_path))
    assert_no_traceback(result)
    return result


def assert_held_alerts_logged_in_full(stderr: str) -> None:
    held = [r for r in log_records(stderr) if "rate limit" in r and "held, not sent" in r]
    assert len(held) == 3
    for record, k in zip(held, (4, 5, 6), strict=True):
        assert login_line(k) in record


def test_sms_storm_sends_three_then_the_next_carries_the_held_lines(tmp_path):
    with TwilioStandin(credentials={SID: TOKEN}) as twilio:
        result = run_storm(tmp_path, api_url=twilio.url)
        bodies = [r.body for r in twilio.received]
    assert result.returncode == 0
    assert bodies == expected_messages()
    assert_held_alerts_logged_in_full(result.stderr)


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "console"])
def test_console_storm_is_limited_too(tmp_path, dry_run):
    result = run_storm(tmp_path, *(["--dry-run"] if dry_run else []))
    assert result.returncode == 0
    assert result.stdout == "".join(m + "\n" for m in expected_messages())
    assert_held_alerts_logged_in_full(result.stderr)
