"""ttalertd's command line posting to Alertmanager: --once over a replay, exit codes, --dry-run."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile

from am_capture import Capture
from cli_support import run_ttalertd
from conftest import scenario_path

TOKEN = "cli-bearer-token-xyz"


def config(tmp_path, *urls: str) -> str:
    path = tmp_path / "credentials.yml"
    path.write_text(
        "defaults:\n  ALERT_INTERVAL: 60\nalertmanager:\n"
        f"  urls: {json.dumps(list(urls))}\n  labels: {{team: ops}}\n  bearer_token: \"{TOKEN}\"\n"
    )
    return str(path)


def ttalertd(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as cwd:  # no ./credentials.yml to pick up
        return run_ttalertd(*args, cwd=cwd)


def once(cfg: str, state, *extra: str) -> subprocess.CompletedProcess:
    return ttalertd("--once", "--replay", scenario_path("cpu-hog"), "--config", cfg,
                    "--state", str(state), *extra)


def test_once_posts_the_firing_conditions_to_every_url(tmp_path):
    with Capture() as first, Capture() as second:
        done = once(config(tmp_path, first.url, second.url), tmp_path / "memory.json")
        assert done.returncode == 0, done.stderr
        for capture in (first, second):
            [post] = capture.posts
            labels = [a["labels"] for a in post.body]
            assert {(lab["alertname"], lab.get("process")) for lab in labels} == {
                ("TTAlertLoad", None), ("TTAlertCPU", "python3")}
            assert all(lab["instance"] == socket.gethostname() and lab["team"] == "ops"
                       and lab["severity"] == "warning" for lab in labels)
    assert done.stdout == ""  # Alertmanager alone: no console notifier
    assert TOKEN not in done.stderr


def test_down_exits_1_and_the_next_run_delivers(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg, state = config(tmp_path, f"http://127.0.0.1:{port}"), tmp_path / "memory.json"
    down = once(cfg, state)
    assert down.returncode == 1, down.stderr
    [kept] = json.loads(state.read_text())["alertmanager"]["entries"]
    assert kept["key"] == f"alertmanager:http://127.0.0.1:{port}" and len(kept["states"]) == 2
    assert TOKEN not in down.stderr and TOKEN not in state.read_text()
    with Capture(port=port) as back:
        again = once(cfg, state)
        assert again.returncode == 0, again.stderr
        [post] = back.posts
        assert sorted(a["labels"]["alertname"] for a in post.body) == ["TTAlertCPU", "TTAlertLoad"]
    assert json.loads(state.read_text())["alertmanager"]["entries"] == []


def test_dry_run_never_posts_and_leaves_kept_posts_kept(tmp_path):
    state = tmp_path / "memory.json"
    with Capture() as am:
        am.statuses = [503]
        cfg = config(tmp_path, am.url)
        assert once(cfg, state).returncode == 1
        kept = json.loads(state.read_text())["alertmanager"]
        dry = once(cfg, state, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert am.answers == [503]
        assert json.loads(state.read_text())["alertmanager"] == kept
