"""The log: a secret that reaches a record is masked on stderr and in the --log file.

Each check runs in a subprocess: setup_logging replaces the root logger's handlers, which are
pytest's own in this process.
"""

from __future__ import annotations

import sys

from cli_support import run_command

SECRET = "s3cr3t-t0ken-in-a-log-line"
LOGS = """
import logging, sys
from ttalertd.logsetup import REDACT, setup_logging
setup_logging(sys.argv[1])
REDACT.update(sys.argv[2:])
log = logging.getLogger("ttalertd.test")
log.warning("Twilio said: bad token %s (code %d)", {secret!r}, 20003)
log.info("about absent tabs")
"""


def logged(tmp_path, *secrets: str) -> tuple[str, str]:
    path = tmp_path / "ttalertd.log"
    done = run_command([sys.executable, "-c", LOGS.format(secret=SECRET), str(path), *secrets],
                       cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stderr, path.read_text()


def test_a_secret_in_a_log_record_is_masked_on_stderr_and_in_the_file(tmp_path):
    for text in logged(tmp_path, SECRET):
        assert "Twilio said: bad token *** (code 20003)" in text
        assert SECRET not in text
        assert "about absent tabs" in text


def test_without_the_secret_known_the_line_is_as_written(tmp_path):
    # the check above can fail: the same line, its value not registered, is logged whole
    for text in logged(tmp_path):
        assert f"bad token {SECRET} (code 20003)" in text


def test_a_short_value_is_not_taken_for_a_secret(tmp_path):
    for text in logged(tmp_path, "ab"):  # would mask every "ab" in every line
        assert "about absent tabs" in text
