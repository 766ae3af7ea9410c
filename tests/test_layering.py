"""The layering the docs promise: proc never imports ttalertd; records hold no readers."""

from __future__ import annotations

import subprocess
import sys

from cli_support import REPO, cli_env
from import_graph import graph, imports, modules  # tools/ is on pytest's pythonpath


def test_no_proc_module_imports_ttalertd():
    found = {module: sorted(name for name in imports(path, module) if name.startswith("ttalertd"))
             for module, path in modules() if module.split(".")[0] == "proc"}
    assert len(found) >= 10  # every reader module was looked at
    assert {module: names for module, names in found.items() if names} == {}


def test_the_graph_sees_an_import_where_there_is_one():
    # the check above can fail: the same reading finds the wiring's imports of proc
    assert "proc" in graph()["ttalertd (wiring)"] and "proc" in graph()["ttalertd.read"]


def test_reading_the_system_with_proc_loads_no_ttalertd_module():
    code = ("import sys, proc\n"
            "fs = proc.ProcFS('/')\n"
            "a = fs.snapshot(); b = fs.snapshot()\n"
            "proc.top_processes(a, b, n=3, fs=fs); fs.sessions(); fs.disks(); fs.meminfo()\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'ttalertd')\n"
            "print(loaded)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
