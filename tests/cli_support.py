"""Running the working tree's ttalertd as a subprocess, isolated from this machine's config.

Every test that starts `python -m ttalertd` (or a console script) goes through here, so that:
- it runs this checkout (PYTHONPATH is the repository root), never an installed copy;
- it never reads the machine's /etc/ttalertd (TTALERTD_SYSTEM_CONFIG is empty) nor inherits
  TTALERTD_* / TWILIO_* / SUPERVISOR_* variables from the shell that runs the tests;
- its clock is UTC, so the times in messages do not depend on the machine's zone.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[1])

__all__ = ["REPO", "cli_env", "console_script", "run_command", "run_ttalertd", "ttalertd_command"]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a ttalertd subprocess (see the module docstring); `extra` on top."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TTALERTD_", "TWILIO_", "SUPERVISOR_"))}
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = REPO if not inherited else f"{REPO}{os.pathsep}{inherited}"
    env["TTALERTD_SYSTEM_CONFIG"] = ""  # no system-wide config file is searched
    env["TZ"] = "UTC"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def ttalertd_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ttalertd", *args]


def run_ttalertd(*args: str, cwd: str | os.PathLike[str], timeout: float = 60,
                 env: dict[str, str] | None = None,
                 input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m ttalertd ARGS` in `cwd`, to the end; stdout and stderr captured as text."""
    return run_command(ttalertd_command(*args), cwd=cwd, timeout=timeout, env=env, input=input)


def run_command(argv: list[str], *, cwd: str | os.PathLike[str], timeout: float = 60,
                env: dict[str, str] | None = None,
                input: str | None = None) -> subprocess.CompletedProcess[str]:
    """argv (a ttalertd_command, maybe behind a wrapper) in `cwd` with cli_env(), to the end."""
    return subprocess.run(argv, check=False, cwd=cwd, env=cli_env() if env is None else env,
                          capture_output=True, text=True, timeout=timeout, input=input)


def console_script(directory: str | os.PathLike[str]) -> Path:
    """An executable `ttalertd` in `directory` that runs this checkout, isolated as above.

    For what starts ttalertd by path (supervisord, a systemd unit): the same program as the
    installed console script, without needing an install.
    """
    path = Path(directory) / "ttalertd"
    path.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH='{REPO}' TTALERTD_SYSTEM_CONFIG='' "
        f"exec '{sys.executable}' -m ttalertd \"$@\"\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
