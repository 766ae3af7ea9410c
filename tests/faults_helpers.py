"""Helpers of the daemon-level fault tests: scenarios built in tmp dirs, the CLI as a subprocess."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys

from cli_support import cli_env, ttalertd_command
from fixture_writer import (  # fixtures/ is not a package: on pytest's pythonpath
    BOOT_RECORDS,
    BTIME,
    USER_PROCESS,
    Sample,
    base,
    utmp,
    write_sample,
)

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f4ult-t0ken-5ecret-77aa1bb2"
TO = "+15551234567"
FROM = "+18885551234"
UPTIME0 = 1000.0  # first sample's uptime; the sample clock is BTIME + uptime


def login_line(k: int) -> str:
    """The alert line of the k-th login of a storm scenario."""
    return f"user{k} logged on pts/{k} from 10.0.0.{k}"


def write_login_storm(scenario: str, samples: int, step: float = 600.0) -> None:
    """Samples `step` seconds apart; sample k adds the login of user k (sample 0: the baseline)."""
    records = BOOT_RECORDS
    for k in range(samples):
        records += utmp(USER_PROCESS, 3000 + k, f"pts/{k}", f"user{k}", f"10.0.0.{k}",
                        int(BTIME + UPTIME0 + step * k), f"s{k}")
        uptime = UPTIME0 + step * k
        sample = Sample(f"{uptime:.2f} {2 * uptime:.2f}", "0.10 0.10 0.10 1/130 4000", base(),
                        utmp=records)
        write_sample(os.path.join(scenario, str(k)), sample)


def sample_clock(k: int, step: float = 600.0) -> float:
    return BTIME + UPTIME0 + step * k


def write_config(path: str, api_url: str | None = None, **defaults: float) -> str:
    """A credentials.yml (mode 0600): Twilio at `api_url` when given, else the console."""
    lines = []
    if api_url is not None:
        lines += ["twilio:", f'  account_sid: "{SID}"', f'  auth_token: "{TOKEN}"',
                  f'  to: "{TO}"', f'  from: "{FROM}"', f'  api_url: "{api_url}"']
    if defaults:
        lines.append("defaults:")
        lines += [f"  {key}: {value}" for key, value in defaults.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


# the CLI with a shorter Twilio timeout than the built-in 10 s, so a hang costs little test time
_SHORT_TIMEOUT = (
    "import sys; from ttalertd.notifiers.twilio_sms import TwilioSMS; "
    "TwilioSMS.__init__.__kwdefaults__['timeout'] = float(sys.argv.pop(1)); "
    "from ttalertd.cli import main; sys.exit(main(sys.argv[1:]))"
)


def cli_command(*args: str, twilio_timeout: float | None = None) -> list[str]:
    if twilio_timeout is None:
        return ttalertd_command(*args)
    return [sys.executable, "-c", _SHORT_TIMEOUT, str(twilio_timeout), *args]


def run_cli(*args: str, cwd: str, twilio_timeout: float | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ttalertd to the end; stdout and stderr captured as text."""
    return subprocess.run(cli_command(*args, twilio_timeout=twilio_timeout), cwd=cwd,
                          env=cli_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def outbox_texts(state_path: str) -> list[str]:
    """The texts kept in memory.json's outbox."""
    with open(state_path) as f:
        return [entry["text"] for entry in json.load(f)["outbox"]["entries"]]


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr


_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def log_records(log_text: str) -> list[str]:
    """The log split into records (a record's continuation lines stay with it)."""
    starts = [m.start() for m in _RECORD_START.finditer(log_text)] + [len(log_text)]
    return [log_text[a:b] for a, b in itertools.pairwise(starts)]
