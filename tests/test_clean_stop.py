"""The daemon records its clean stop in the state file (interface.md section 8): SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from replay_support import REPO, env


def test_sigterm_records_a_clean_stop_with_the_state(tmp_path):
    config = tmp_path / "c.yml"
    config.write_text(json.dumps({"defaults": {"ALERT_INTERVAL": 1}}))
    state = tmp_path / "memory.json"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "ttalertd", "--dry-run", "--root",
         os.path.join(REPO, "fixtures", "idle-host", "0"), "--state", str(state),
         "--config", str(config)], cwd=str(tmp_path), env=env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                memory = json.loads(state.read_text())["memory"]
            except (OSError, ValueError, KeyError):
                memory = {}
            if memory.get("tick", 0) >= 2:
                break
            time.sleep(0.1)
        assert memory.get("tick", 0) >= 2 and memory.get("stopped") is None
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    memory = json.loads(state.read_text())["memory"]
    assert memory["stopped"] is not None and memory["stopped"] >= memory["last_tick"] - 1
    # on the ticks' clock (a recorded root's is btime + uptime, 2025): not the wall clock's 2026,
    # or the next reboot line would say "down 0 min"
    assert memory["stopped"] - memory["last_tick"] < 60
    # each tick's reading went to the trace next to the state file
    with open(tmp_path / "memory.trace.jsonl") as f:
        assert len(f.readlines()) == memory["tick"]
