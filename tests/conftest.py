"""Shared pytest fixtures: the recorded fixture scenarios under fixtures/."""

from __future__ import annotations

import os
import sys

import pytest

import proc

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
if FIXTURES_DIR not in sys.path:  # fixtures/ is not a package: its writer is imported by name
    sys.path.insert(0, FIXTURES_DIR)


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
def fixtures_dir() -> str:
    return FIXTURES_DIR


@pytest.fixture
def scenario():
    """scenario("cpu-hog") -> [ProcFS of sample 0, ProcFS of sample 1, ...]."""
    return scenario_samples
