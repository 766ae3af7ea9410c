"""The expected-skips check of .ci/run: a skip whose reason is not on the list fails the run."""

from __future__ import annotations

import os
import shutil
import sys

from cli_support import REPO, cli_env, run_command

SKIPS = """
import pytest

def test_allowed():
    pytest.skip("needs a private mount namespace (root and unshare -m)")

def test_unexpected():
    pytest.skip("the network is down today")
"""


def pytest_in(tmp_path, *args: str, allowlist: bool) -> tuple[int, str]:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    shutil.copy(os.path.join(REPO, "tests", "conftest.py"), tests / "conftest.py")
    (tests / "test_skips.py").write_text(SKIPS)
    env = cli_env()
    if allowlist:
        env["TTALERTD_CI_SKIP_ALLOWLIST"] = os.path.join(REPO, "tests", "expected_skips.txt")
    done = run_command([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                        "tests/test_skips.py", *args], cwd=tmp_path, env=env)
    return done.returncode, done.stdout + done.stderr


def test_a_skip_not_on_the_list_fails_the_run_and_is_named(tmp_path):
    status, out = pytest_in(tmp_path, allowlist=True)
    assert status == 1, out
    assert "test_skips.py::test_unexpected: Skipped: the network is down today" in out
    assert "test_allowed:" not in out.split("skips not on the allowlist")[1]


def test_without_the_list_a_skip_is_only_shown(tmp_path):
    # the README's test command outside .ci/run: skips are reported, not failures
    status, out = pytest_in(tmp_path, allowlist=False)
    assert status == 0 and "the network is down today" in out, out
