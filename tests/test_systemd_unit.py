"""ttalertd.service: the directives the README promises, and `systemd-analyze verify` on it."""

import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import console_script

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "ttalertd.service"
INSTALLED_BIN = "/opt/ttalertd/bin/ttalertd"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


def directives(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) for every line of a unit file, in order."""
    found, section = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key.strip(), value.strip()))
    return found


def service(key: str) -> list[str]:
    return [v for s, k, v in directives(UNIT.read_text()) if s == "Service" and k == key]


def verify_copy(tmp_path: Path, text: str) -> list[str]:
    """systemd-analyze verify a copy of text; the lines it says about this unit."""
    # verify insists that ExecStart is an executable file: point it at this checkout's ttalertd
    # (the installed console script is not there when the suite runs from a work tree)
    ttalertd = console_script(tmp_path)
    assert INSTALLED_BIN in text
    unit = tmp_path / "ttalertd.service"
    unit.write_text(text.replace(INSTALLED_BIN, str(ttalertd)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )
    # it warns (exit 0) about bad values and unknown keys: every line naming the unit counts
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if "ttalertd.service" in line
    ]
    if result.returncode != 0:
        complaints.append(f"exit {result.returncode}: {result.stderr.strip()}")
    return complaints


def test_unit_has_the_documented_directives():
    assert service("Restart") == ["on-failure"]
    assert service("ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert service("ExecStart") == [INSTALLED_BIN]
    assert service("NoNewPrivileges") == ["yes"]
    assert service("ProtectSystem") == ["strict"]
    assert service("ProtectHome") == ["yes"]
    assert service("StateDirectory") == ["ttalertd"]
    assert "TTALERTD_STATE=/var/lib/ttalertd/memory.json" in service("Environment")
    assert "TTALERTD_CONFIG=/etc/ttalertd/credentials.yml" in service("Environment")
    # these would hide other users' processes, /proc/loadavg or their uids from the daemon
    assert service("ProtectProc") in ([], ["default"])
    assert service("ProcSubset") in ([], ["all"])
    assert service("PrivateUsers") in ([], ["no"])


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    assert verify_copy(tmp_path, UNIT.read_text()) == []


@needs_systemd_analyze
@pytest.mark.parametrize(
    ("directive", "broken"),
    [("Restart=on-failure", "Restart=sometimes"), ("ProtectHome=yes", "ProtectHme=yes")],
)
def test_systemd_analyze_verify_catches_a_broken_copy(tmp_path, directive, broken):
    # the check above can fail: the same verify flags a bad value and a misspelt key
    text = UNIT.read_text()
    assert directive in text
    assert verify_copy(tmp_path, text.replace(directive, broken)) != []
