"""--dry-run: each message on stdout and nothing else there; the message logged on stderr too."""

from __future__ import annotations

import socket
from pathlib import Path

from cli_support import run_ttalertd

SCENARIO = Path(__file__).resolve().parent.parent / "fixtures" / "incidents" / "hog-load-login"


def test_dry_run_prints_only_the_message_and_logs_it(tmp_path):
    done = run_ttalertd("--once", "--dry-run", "--replay", str(SCENARIO),
                        "--state", str(tmp_path / "memory.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [socket.gethostname(), "alice logged on pts/0 from 10.0.0.5",
             "load average 3.52 2.10 1.30 (limit 1.2)",
             "cpu 99.5% pid 4242 bob python3: python3 spin.py"]
    assert done.stdout == "\n".join(lines) + "\n"
    assert "sent to console: " + " / ".join(lines) in done.stderr


def test_test_sms_with_only_alertmanager_says_why_it_sent_nothing(tmp_path):
    config = tmp_path / "credentials.yml"
    config.write_text('alertmanager:\n  urls: ["http://127.0.0.1:9"]\n')
    done = run_ttalertd("test-sms", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "Alertmanager is the only notifier" in done.stderr
