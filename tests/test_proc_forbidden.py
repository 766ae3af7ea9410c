"""Files the reader may not read (EACCES, as hidepid= or a locked-down root gives): skipped.

Run as a subprocess without the capabilities that let root read anything (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH), so that mode 000 means EACCES for root too.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from cli_support import REPO, run_command, ttalertd_command

FIXTURES = os.path.join(REPO, "fixtures")


def unprivileged(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): mode 000 cannot forbid")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


def test_forbidden_process_files_are_skipped_and_the_rest_is_read(tmp_path):
    scenario = tmp_path / "hog"
    shutil.copytree(os.path.join(FIXTURES, "cpu-hog"), scenario)
    sample = scenario / "1" / "proc"
    for path in (sample / "4242" / "status", sample / "4242" / "cmdline", sample / "412" / "stat"):
        path.chmod(0o000)
    command = unprivileged(ttalertd_command("snapshot", "--json", "--replay", str(scenario),
                                            "-n", "3"))
    done = run_command(command, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    top = json.loads(done.stdout)["top"]
    # the hog is still ranked first; what could not be read of it is null or its name
    assert top[0] == {"pid": 4242, "user": None, "name": "python3", "cmdline": "[python3]",
                      "cpu": 99.5}
    assert 412 not in [row["pid"] for row in top]  # no stat: not a process of the sample


def test_the_forbidden_file_really_was_forbidden(tmp_path):
    # the test above can fail: the same subprocess cannot read a mode-000 file
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0o000)
    command = unprivileged(["cat", str(secret)])
    done = run_command(command, cwd=tmp_path)
    assert done.returncode != 0 and "Permission denied" in done.stderr
