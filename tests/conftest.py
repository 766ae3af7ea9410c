"""Shared pytest fixtures: the recorded fixture scenarios under fixtures/."""

from __future__ import annotations

import os
import time

import pytest

import proc

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")


def scenario_path(name: str) -> str:
    """The directory of the fixture scenario `name` (samples 0, 1, ... inside)."""
    path = os.path.join(FIXTURES_DIR, name)
    if not os.path.isdir(os.path.join(path, "0")):
        raise FileNotFoundError(f"no fixture scenario {name!r} in {FIXTURES_DIR}")
    return path


def scenario_samples(name: str) -> list[proc.ProcFS]:
    """One ProcFS per sample of scenario `name`, in sample order."""
    path = scenario_path(name)
    numbers = sorted(int(entry) for entry in os.listdir(path) if entry.isdigit())
    return [proc.ProcFS(os.path.join(path, str(number))) for number in numbers]


@pytest.fixture(autouse=True)
def _isolated_from_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads this machine's /etc/ttalertd or the TTALERTD_*/TWILIO_* of the shell that
    runs the suite (subprocesses get the same through cli_support.cli_env)."""
    for key in list(os.environ):
        if key.startswith(("TTALERTD_", "TWILIO_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TTALERTD_SYSTEM_CONFIG", "")


@pytest.fixture
def utc():
    """The local time is UTC for the test (HH:MM in lines, quiet hours), then as it was."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def twilio(request):
    """A Twilio stand-in knowing SID/TOKEN; the requests it saw go to the test's report."""
    from phone_support import SID, TOKEN  # only the phone tests use it
    from twilio_standin import TwilioStandin

    with TwilioStandin(credentials={SID: TOKEN}) as server:
        yield server
    request.node.user_properties.append(("twilio_requests", dict(server.requests)))


@pytest.fixture
def fixtures_dir() -> str:
    return FIXTURES_DIR


@pytest.fixture
def scenario():
    """scenario("cpu-hog") -> [ProcFS of sample 0, ProcFS of sample 1, ...]."""
    return scenario_samples



# -- expected skips: .ci/run sets TTALERTD_CI_SKIP_ALLOWLIST to tests/expected_skips.txt; a skip
# whose reason matches none of its lines fails the run (a skipped test is a test that did not run)

_ALLOWLIST = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ALLOWLIST] = os.environ.get("TTALERTD_CI_SKIP_ALLOWLIST") or None


def _unexpected_skips(config: pytest.Config) -> list[str]:
    path = config.stash.get(_ALLOWLIST, None)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if path is None or reporter is None:
        return []
    with open(path, encoding="utf-8") as f:
        allowed = [line.split("#", 1)[0].strip() for line in f]
    allowed = [pattern for pattern in allowed if pattern]
    unexpected = []
    for report in reporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(pattern in reason for pattern in allowed):
            unexpected.append(f"{report.nodeid}: {reason}")
    return unexpected


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == 0 and _unexpected_skips(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    unexpected = _unexpected_skips(config)
    if unexpected:
        terminalreporter.section("skips not on the allowlist (they fail the run)", sep="=",
                                 red=True, bold=True)
        for line in unexpected:
            terminalreporter.line(line)
        terminalreporter.line(f"allowlist: {config.stash[_ALLOWLIST]}")
