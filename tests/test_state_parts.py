"""memory.json in parts (interface.md section 13): a damaged part costs itself, never the outbox;
a file that must not be replaced stops the run with exit 2; a corrupt one is moved aside with its
kept messages logged in full."""

from __future__ import annotations

import glob
import io
import json
import logging
import os
import shutil
import stat
import subprocess

import pytest
from faults_helpers import (
    assert_no_traceback,
    cli_command,
    cli_env,
    run_cli,
    sample_clock,
    write_login_storm,
)

from ttalertd.config.records import Config
from ttalertd.read.source import Source
from ttalertd.runner import Runner
from ttalertd.state.store import MAX_STATE_BYTES, load_state

KEPT = "h\nkept from before the restart"
PEERS = {"hosts": {"web2": {"last_seen": 1.0, "stopping": False, "silent_since": None}}}


def kept_outbox() -> dict:
    entry = {"key": "console", "host": "h", "text": KEPT, "alerts": [], "created": sample_clock(0),
             "attempts": 1, "next_try_tick": 0}
    return {"entries": [entry], "sent_times": [], "held_alerts": 0, "held_since": None}


def write_state(path: str, **parts) -> None:
    with open(path, "w") as f:
        json.dump(parts, f)


def one_tick(tmp_path, state: str) -> str:
    """A console (not dry-run) runner over a two-sample scenario: what it printed."""
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 2)
    out = io.StringIO()
    runner = Runner(Config(), Source(replay=scenario), state, dry_run=False, stdout=out, host="h")
    runner.start()
    runner.tick()
    return out.getvalue()


DAMAGED_MEMORY = {
    "a wrong-typed value": {"sessions": 7},
    "a condition kind this version does not know": {
        "conditions": {"gpu": {"kind": "gpu", "firing": True, "told": True, "text": "gpu hot"}}},
    "an infinite tick": {"tick": "x"},
}


@pytest.mark.parametrize("memory", DAMAGED_MEMORY.values(), ids=DAMAGED_MEMORY.keys())
def test_a_damaged_rules_memory_is_dropped_and_kept_messages_still_go(tmp_path, caplog, memory):
    state = str(tmp_path / "memory.json")
    write_state(state, memory=memory, outbox=kept_outbox(), peers=PEERS)
    printed = one_tick(tmp_path, state)
    assert "kept from before the restart" in printed  # the outbox survived
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("part 'memory'" in w and "dropped" in w for w in warnings), warnings
    assert not glob.glob(state + ".corrupt-*")  # the file was not moved aside
    with open(state) as f:
        saved = json.load(f)
    assert saved["peers"] == PEERS  # the other parts are kept
    assert saved["outbox"]["entries"] == []  # delivered
    assert not any(c["kind"] == "gpu" for c in saved["memory"]["conditions"].values())


def test_an_unknown_condition_kind_is_told_once_and_never_again(tmp_path):
    """Today's build resent the same kept SMS every --once and ended in a traceback."""
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 2)
    state = str(tmp_path / "memory.json")
    memory = DAMAGED_MEMORY["a condition kind this version does not know"]
    write_state(state, memory=memory, outbox=kept_outbox())
    args = ("--once", "--replay", scenario, "--state", state)
    first = run_cli(*args, cwd=str(tmp_path))
    assert_no_traceback(first)
    assert first.returncode == 0, first.stderr
    assert "kept from before the restart" in first.stdout
    assert "part 'memory'" in first.stderr and "'gpu'" in first.stderr
    second = run_cli(*args, cwd=str(tmp_path))
    assert_no_traceback(second)
    assert second.returncode == 0
    assert "kept from before the restart" not in second.stdout
    assert "part 'memory'" not in second.stderr


def test_each_part_is_read_apart(tmp_path, caplog):
    state = str(tmp_path / "memory.json")
    write_state(state, memory={"tick": 5, "boot_id": "b1"}, outbox=kept_outbox(),
                alertmanager=[1], peers="web2", phone={"seen": {}}, future_part={"x": 1})
    loaded = load_state(state)
    assert loaded.memory.tick == 5 and loaded.memory.boot_id == "b1"
    assert loaded.outbox["entries"][0]["text"] == KEPT
    assert loaded.phone == {"seen": {}}
    assert loaded.alertmanager == {} and loaded.peers == {}
    assert loaded.dropped == {"alertmanager", "peers"}
    text = caplog.text
    assert "part 'alertmanager'" in text and "part 'peers'" in text
    assert "part 'future_part' unknown to this version" in text


def test_held_lines_survive_a_damaged_rules_memory(tmp_path):
    held = {"kind": "load", "text": "load 3.10 2.00 1.00", "key": "load", "recovery": False,
            "labels": [], "starts_at": 1.0}
    state = str(tmp_path / "memory.json")
    write_state(state, memory={"sessions": 7, "held": [held]})  # a file of the earlier layout
    assert load_state(state).memory.held == [held]
    write_state(state, memory={"conditions": 5}, held=[held])
    assert load_state(state).memory.held == [held]


def refused(result: subprocess.CompletedProcess, path: str) -> None:
    assert_no_traceback(result)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert path in last and "state file" in last, last


def run_once(tmp_path, state: str, **kwargs) -> subprocess.CompletedProcess:
    scenario = str(tmp_path / "storm")
    if not os.path.isdir(scenario):
        write_login_storm(scenario, 2)
    return subprocess.run(cli_command("--once", "--dry-run", "--replay", scenario, "--state",
                                      state), cwd=str(tmp_path), env=cli_env(),
                          capture_output=True, text=True, timeout=60, check=False, **kwargs)


def test_a_fifo_at_the_state_path_is_refused_without_hanging(tmp_path):
    state = str(tmp_path / "memory.json")
    os.mkfifo(state)
    refused(run_once(tmp_path, state), state)
    assert stat.S_ISFIFO(os.lstat(state).st_mode)  # never replaced


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "dir"])
def test_a_symlink_to_a_device_or_directory_is_refused(tmp_path, target):
    target = str(tmp_path / "d") if target == "dir" else target
    if target.endswith("/d"):
        os.mkdir(target)
    state = str(tmp_path / "memory.json")
    os.symlink(target, state)
    refused(run_once(tmp_path, state), state)
    assert os.readlink(state) == target


def test_a_directory_at_the_state_path_is_refused(tmp_path):
    state = str(tmp_path / "memory.json")
    os.mkdir(state)
    refused(run_once(tmp_path, state), state)
    assert os.path.isdir(state)


def test_a_state_file_over_64_mb_is_refused_unread(tmp_path):
    state = str(tmp_path / "memory.json")
    with open(state, "wb") as f:
        f.truncate(MAX_STATE_BYTES + 1)  # sparse: no disk used
    refused(run_once(tmp_path, state), state)
    assert os.path.getsize(state) == MAX_STATE_BYTES + 1


def without_read_override() -> list[str]:
    """A command prefix under which a file of mode 000 cannot be read, root included."""
    if os.getuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: EACCES cannot be made")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def test_an_unreadable_state_file_is_refused_not_replaced(tmp_path):
    state = str(tmp_path / "memory.json")
    write_state(state, memory={"tick": 3}, outbox=kept_outbox())
    os.chmod(state, 0)
    scenario = str(tmp_path / "storm")
    write_login_storm(scenario, 2)
    command = without_read_override() + cli_command("--once", "--dry-run", "--replay", scenario,
                                                    "--state", state)
    result = subprocess.run(command, cwd=str(tmp_path), env=cli_env(), capture_output=True,
                            text=True, timeout=60, check=False)
    refused(result, state)
    assert "Permission denied" in result.stderr
    os.chmod(state, 0o600)
    with open(state) as f:  # never replaced
        assert json.load(f)["memory"] == {"tick": 3}


def test_a_corrupt_state_is_moved_aside_after_its_kept_messages_are_logged(tmp_path):
    state = str(tmp_path / "memory.json")
    outbox = kept_outbox()
    outbox["held"] = [{"alert": {"kind": "login", "text": "mallory logged on pts/9 from 10.9.9.9",
                                 "key": "login"}, "at": 1.0, "held": True}]
    whole = json.dumps({"outbox": outbox, "memory": {"tick": 1}})
    with open(state, "w") as f:
        f.write(whole[: whole.index('"memory"') + 12])  # cut mid-write: no longer JSON
    result = run_once(tmp_path, state)
    assert_no_traceback(result)
    assert result.returncode == 0
    assert "kept from before the restart" in result.stderr  # logged in full, both lines
    assert "mallory logged on pts/9 from 10.9.9.9" in result.stderr  # a held line too
    assert "corrupt" in result.stderr
    assert len(glob.glob(state + ".corrupt-*")) == 1


def test_temporary_files_of_an_interrupted_save_are_removed_at_start(tmp_path):
    state = str(tmp_path / "memory.json")
    for name in (".memory-abc123.tmp", ".memory-zz.tmp"):
        (tmp_path / name).write_text('{"half": ')
    (tmp_path / ".other-x.tmp").write_text("someone else's")
    result = run_once(tmp_path, state)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [".other-x.tmp"]
