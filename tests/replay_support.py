"""Running ttalertd as a subprocess on the incident scenarios, and reading its messages back."""

from __future__ import annotations

import os
import socket

from cli_support import REPO, cli_env, run_ttalertd
from make_incidents import INCIDENTS  # fixtures/incidents is on pytest's pythonpath

INCIDENTS_DIR = os.path.join(REPO, "fixtures", "incidents")

HOST = socket.gethostname()  # the first line of every message is the live host's name

__all__ = ["HOST", "INCIDENTS", "INCIDENTS_DIR", "messages", "run_ttalertd", "scenario"]


def scenario(name: str) -> str:
    return os.path.join(INCIDENTS_DIR, name)


env = cli_env  # the environment of a ttalertd subprocess (cli_support)


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
