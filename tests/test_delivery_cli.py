"""Kept messages at the command line: --once keeps what the webhook did not take (exit 1),
--dry-run leaves it kept and untouched, and the next real run delivers it, merged, once."""

from __future__ import annotations

import json
import socket

from am_capture import Capture
from cli_support import REPO, run_ttalertd

STORM = f"{REPO}/fixtures/login-storm"


def kept_entries(state) -> list[dict]:
    return json.loads(state.read_text())["outbox"]["entries"]


def test_dry_run_leaves_a_kept_message_kept_and_the_next_run_delivers_it(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "credentials.yml"
    config.write_text(f"webhook:\n  url: http://127.0.0.1:{port}/hook\n")
    config.chmod(0o600)
    state = tmp_path / "memory.json"
    args = ("--once", "--replay", STORM, "--config", str(config), "--state", str(state))

    down = run_ttalertd(*args, cwd=tmp_path)
    assert down.returncode == 1, down.stderr  # kept for a later try
    [entry] = kept_entries(state)
    assert entry["key"] == f"webhook:http://127.0.0.1:{port}/hook"
    assert [line["alert"]["text"] for line in entry["lines"]] == [
        "user1 logged on pts/1 from 10.0.0.1"]

    dry = run_ttalertd(*args, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == ""  # nothing new; the kept message is not printed nor sent
    assert kept_entries(state) == [entry]
    # on a --root's clock (the live one) the replay's message is over a day old: still kept
    aside = tmp_path / "aside.json"
    aside.write_bytes(state.read_bytes())
    old = run_ttalertd("--once", "--root", f"{STORM}/0", "--config", str(config), "--state",
                       str(aside), "--dry-run", cwd=tmp_path)
    assert old.returncode == 0, old.stderr
    assert kept_entries(aside) == [entry]

    with Capture(port=port) as hook:
        back = run_ttalertd(*args, cwd=tmp_path)
        assert back.returncode == 0, back.stderr
        [post] = hook.posts
    assert post.body["text"].split("\n")[1:] == ["user1 logged on pts/1 from 10.0.0.1"]
    assert [a["text"] for a in post.body["alerts"]] == ["user1 logged on pts/1 from 10.0.0.1"]
    assert kept_entries(state) == []
