"""The layering the docs promise: proc never imports ttalertd; records hold no readers."""

from __future__ import annotations

import subprocess
import sys

from cli_support import REPO, cli_env
from import_graph import cycles, graph, imports, modules  # tools/ is on pytest's pythonpath


def test_no_proc_module_imports_ttalertd():
    found = {module: sorted(name for name in imports(path, module) if name.startswith("ttalertd"))
             for module, path in modules() if module.split(".")[0] == "proc"}
    assert len(found) >= 10  # every reader module was looked at
    assert {module: names for module, names in found.items() if names} == {}


def test_the_graph_sees_an_import_where_there_is_one():
    # the check above can fail: the same reading finds the wiring's imports of proc
    assert "proc" in graph()["ttalertd (wiring)"] and "proc" in graph()["ttalertd.read"]


def _ttalertd_modules_after(code: str, cwd: str) -> list[str]:
    """The ttalertd modules loaded once `code` ran in a fresh interpreter, this checkout's."""
    code += ("\nimport sys\n"
             "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'ttalertd')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(), cwd=cwd, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1].split()


def test_reading_the_system_with_proc_loads_no_ttalertd_module():
    code = ("import proc\n"
            "fs = proc.ProcFS('/')\n"
            "a = fs.snapshot(); b = fs.snapshot()\n"
            "proc.top_processes(a, b, n=3, fs=fs); fs.sessions(); fs.disks(); fs.meminfo()\n")
    assert _ttalertd_modules_after(code, REPO) == []


def test_no_package_and_no_module_is_part_of_an_import_cycle():
    assert cycles(graph()) == []
    assert cycles(graph(by_module=True)) == []


def test_the_cycle_check_finds_a_cycle_where_there_is_one():
    edges = {"a": {"b": False}, "b": {"c": True}, "c": {"a": False}, "d": {"a": False}}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": False}, "b": {}}) == []


# what each step may import: records and helpers below it, never a later step's machinery
ALLOWED = {
    "ttalertd.alert": set(),
    "ttalertd.notify": {"ttalertd.alert", "ttalertd.config", "ttalertd.untrusted"},
    "ttalertd.notifiers": {"ttalertd.alert", "ttalertd.config", "ttalertd.notify",
                           "ttalertd.untrusted"},
    "ttalertd.read": {"proc", "ttalertd.alert", "ttalertd.config", "ttalertd.notify",
                      "ttalertd.untrusted"},
    "ttalertd.state": {"ttalertd.alert", "ttalertd.read"},
    "ttalertd.rules": {"proc", "ttalertd.alert", "ttalertd.config", "ttalertd.read",
                       "ttalertd.state", "ttalertd.untrusted"},
    "ttalertd.phone": {"ttalertd.alert", "ttalertd.config", "ttalertd.notify", "ttalertd.read",
                       "ttalertd.state", "ttalertd.untrusted"},
}


def test_each_step_imports_only_what_the_pipeline_puts_below_it():
    edges = graph()
    assert {package: sorted(set(edges[package]) - allowed) for package, allowed in ALLOWED.items()
            } == {package: [] for package in ALLOWED}


def test_the_rules_import_records_not_readers_loaders_or_the_state_file():
    reached = {name for module, path in modules() if module.startswith("ttalertd.rules")
               for name in imports(path, module)}
    assert "ttalertd.read.reading" in reached  # the check can fail: it sees the rules' imports
    for machinery in ("ttalertd.read.source", "ttalertd.read.peers", "ttalertd.config.loader",
                      "ttalertd.state.store", "ttalertd.notify.http", "proc.fs"):
        assert machinery not in reached
    assert {name for name in reached if name.startswith("ttalertd.notify")} == set()


def _loaded_by(argv: list[str], tmp_path) -> list[str]:
    """The ttalertd modules a command loads."""
    return _ttalertd_modules_after(f"from ttalertd.cli import main\nmain({argv!r})", str(tmp_path))


def test_snapshot_loads_no_backtest_rules_or_notify_machinery(tmp_path):
    scenario = f"{REPO}/fixtures/idle-host"
    loaded = _loaded_by(["snapshot", "--replay", scenario, "--state", str(tmp_path / "s")],
                        tmp_path)
    assert "ttalertd.read.source" in loaded  # it did read the scenario
    heavy = ("ttalertd.backtest.command", "ttalertd.rules", "ttalertd.notify", "ttalertd.notifiers")
    assert [m for m in loaded if m.startswith(heavy)] == []


def test_the_backtest_command_does_load_its_machinery(tmp_path):
    # the check above can fail: the same reading sees what backtest loads
    scenario = f"{REPO}/fixtures/idle-host"
    loaded = _loaded_by(["backtest", "--replay", scenario], tmp_path)
    assert "ttalertd.backtest.command" in loaded and "ttalertd.rules.evaluate" in loaded
