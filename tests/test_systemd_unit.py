"""ttalertd.service: its directives, `systemd-analyze verify` and `security` on it, its syscall
filter."""

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from am_capture import Capture
from cli_support import cli_env, console_script, ttalertd_command
from twilio_standin import TwilioStandin

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
    # issue 19's hardening
    assert service("SystemCallFilter")[0] == "@system-service"
    assert service("PrivateMounts") == ["yes"] and service("RemoveIPC") == ["yes"]
    assert service("RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6"]


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


def unit_copy(tmp_path: Path) -> Path:
    unit = tmp_path / "ttalertd.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED_BIN, str(console_script(tmp_path))))
    return unit


@needs_systemd_analyze
def test_systemd_analyze_security_exposure_is_at_most_2(tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit_copy(tmp_path))],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    found = re.search(r"Overall exposure level for ttalertd.service: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0, result.stdout


@functools.cache
def syscall_group(name: str) -> frozenset[str]:
    """The system calls of a systemd syscall group, nested groups expanded."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    calls: set[str] = set()
    for line in out.splitlines()[1:]:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            calls |= syscall_group(entry) if entry.startswith("@") else {entry}
    return frozenset(calls)


def allowed_syscalls() -> frozenset[str]:
    """What the unit's SystemCallFilter= lines let through: an allow list, then ~ deny lists."""
    allowed: frozenset[str] | None = None
    for value in service("SystemCallFilter"):
        deny = value.startswith("~")
        calls = frozenset().union(*(syscall_group(n) if n.startswith("@") else {n}
                                    for n in value.lstrip("~").split()))
        if deny:
            assert allowed is not None, "a deny list first would allow everything else"
            allowed -= calls
        else:
            allowed = calls if allowed is None else allowed | calls
    assert allowed
    return allowed


TRACED_CONFIG = """\
twilio:
  account_sid: "{sid}"
  auth_token: "{token}"
  to: "+15551234567"
  from: "+18885551234"
  api_url: "{twilio}"
webhook:
  url: "{webhook}"
"""


@needs_systemd_analyze
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_the_syscall_filter_allows_every_call_a_run_a_send_and_test_sms_make(tmp_path):
    # no systemd here to start the unit: its filter is checked against what the daemon calls,
    # as strace saw it read the live /proc, utmp or logind's files, post and start the Twilio child
    sid, token = "AC" + "0" * 32, "unit-test-token"
    config = tmp_path / "credentials.yml"
    with TwilioStandin(credentials={sid: token}) as twilio, Capture() as webhook:
        config.write_text(TRACED_CONFIG.format(sid=sid, token=token, twilio=twilio.url,
                                               webhook=webhook.url))
        config.chmod(0o600)
        runs = [("--once", "--dry-run", "--window", "0.2", "--state", str(tmp_path / "m.json")),
                ("test-sms", "--config", str(config))]
        for number, args in enumerate(runs):
            trace = tmp_path / f"strace.{number}"
            done = subprocess.run(
                ["strace", "-f", "-qq", "-o", str(trace), *ttalertd_command(*args)],
                capture_output=True, text=True, timeout=120, env=cli_env(), cwd=tmp_path,
                check=False)
            assert done.returncode == 0, done.stdout + done.stderr
        assert len(twilio.received) == 1 and len(webhook.posts) == 1  # the sends did happen
    text = "".join((tmp_path / f"strace.{n}").read_text() for n in range(len(runs)))
    used = set(re.findall(r"^\d+ +([a-z_0-9]+)\(", text, re.MULTILINE))
    assert {"openat", "connect", "execve"} <= used  # strace saw the reads, the posts, the child
    assert sorted(used - allowed_syscalls()) == []
    # RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6; MemoryDenyWriteExecute=yes
    assert set(re.findall(r"socket\((AF_[A-Z0-9]+)", text)) <= {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert "PROT_WRITE|PROT_EXEC" not in text
