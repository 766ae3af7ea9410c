"""Running ttalertd as a subprocess on the incident scenarios, and reading its messages back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCIDENTS_DIR = os.path.join(REPO, "fixtures", "incidents")
sys.path.insert(0, INCIDENTS_DIR)

from make_incidents import INCIDENTS

HOST = socket.gethostname()  # the first line of every message is the live host's name

__all__ = ["HOST", "INCIDENTS", "INCIDENTS_DIR", "messages", "run_ttalertd", "scenario"]


def scenario(name: str) -> str:
    return os.path.join(INCIDENTS_DIR, name)


def env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TTALERTD_", "TWILIO_"))}
    return {**keep, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}


def run_ttalertd(*args: str, cwd: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m ttalertd ARGS` in `cwd` (where no credentials.yml lies), TZ=UTC."""
    return subprocess.run([sys.executable, "-m", "ttalertd", *args], check=False, cwd=cwd,
                          env=env(), capture_output=True, text=True, timeout=timeout)


def messages(stdout: str) -> list[list[str]]:
    """The messages a --dry-run printed: each starts with the host name line."""
    found: list[list[str]] = []
    for line in stdout.splitlines():
        if line == HOST:
            found.append([])
        else:
            assert found, f"stdout line before any host line: {line!r}"
            found[-1].append(line)
    return found


def replay_args(name: str, state: str, *, once: bool) -> list[str]:
    args = ["--once"] if once else []
    return [*args, "--dry-run", "--replay", scenario(name), "--state", state,
            "--config", os.path.join(scenario(name), "config.yml")]
