#!/usr/bin/env python3
"""Hand-written mutants, applied one at a time to a copy of the tree: which tests catch each?

    python3 tools/mutation_check.py                 # every mutant
    python3 tools/mutation_check.py -k utmp -k eacces

Each mutant replaces one exact piece of source text (it must occur exactly once: a mutant whose
text is gone is reported STALE, so a change that moves the code says so here too). The tests
named for it run against the mutated copy (PYTHONPATH is the copy; the working tree is never
touched); a mutant is KILLED when at least one of them fails. Prints a table, mutant -> the
tests that caught it, and exits 1 when a mutant survived or is stale.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the repository root
    old: str
    new: str
    tests: tuple[str, ...]  # test files (or node ids) expected to catch it


MUTANTS = (
    Mutant("proc: EACCES is not skipped", "proc/_io.py",
           "errno.ESRCH, errno.EACCES, errno.EPERM", "errno.ESRCH, errno.EPERM",
           ("tests/test_proc_forbidden.py", "tests/test_proc_fixtures.py")),
    Mutant("proc: the live utmp keeps sessions of dead pids", "proc/fs.py",
           "sessions = [s for s in sessions if _pid_exists(s.pid)]", "sessions = list(sessions)",
           ("tests/test_proc_live_utmp.py", "tests/test_proc_live.py")),
    Mutant("log: redaction does nothing", "ttalertd/logsetup.py",
           "record.msg, record.args = text, None", "pass",
           ("tests/test_logsetup.py", "tests/test_faults_twilio.py")),
    Mutant("rules: FOR_TICKS fires one tick late", "ttalertd/rules/condition.py",
           "if cond.streak >= for_ticks and not cond.told:",
           "if cond.streak > for_ticks and not cond.told:",
           ("tests/test_rules_conditions.py", "tests/test_replay_incidents.py")),
    Mutant("rules: no hysteresis (recovers as soon as under the limit)",
           "ttalertd/rules/condition.py",
           "return (None, Change.RECOVER) if recovered else (cond, None)",
           "return (None, Change.RECOVER)",
           ("tests/test_rules_conditions.py", "tests/test_replay_incidents.py")),
    Mutant("rules: EXCLUDE_PROCESSES ignored", "ttalertd/rules/cpu.py",
           "if r.cpu is not None and not excluded(r, config)]", "if r.cpu is not None]",
           ("tests/test_rules_conditions.py", "tests/test_rules_events.py")),
    Mutant("rules: TRUSTED_LOGINS ignored for logins", "ttalertd/rules/logins.py",
           "if (user, line, host) not in known_set and not _trusted(config, user, host):",
           "if (user, line, host) not in known_set:",
           ("tests/test_rules_events.py", "tests/test_rules_conditions.py")),
    Mutant("notify: the rate-limit hour is closed (3600 s old still counts)",
           "ttalertd/notify/ratelimit.py",
           "now - HOUR < t <= now + HOUR", "now - HOUR <= t <= now + HOUR",
           ("tests/test_delivery.py", "tests/test_faults_ratelimit.py")),
    Mutant("notify: HTTP 429 is refused for good", "ttalertd/notify/http.py",
           "return status == 429 or status >= 500", "return status >= 500",
           ("tests/test_http.py", "tests/test_notify_webhook.py", "tests/test_alertmanager.py")),
    Mutant("notify: condition lines before event lines", "ttalertd/notify/message.py",
           "        return len(EVENT_ORDER) + 1\n", "        return -1\n",
           ("tests/test_message.py", "tests/test_untrusted.py")),
)


def copy_tree(dest: str) -> None:
    caches = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(caches(folder, names))
        if os.path.samefile(folder, REPO):  # the checkout's own .git, venv and supervisord run/
            skipped |= {".git", ".venv", "run"} & set(names)
        return skipped

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    os.makedirs(os.path.join(dest, "run"), exist_ok=True)


def failed_tests(junit: str) -> list[str]:
    """Node ids of the failed or erroring test cases of a junit XML report."""
    failed = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/")
            failed.append(f"{module}.py::{case.get('name')}")
    return failed


def run_tests(tree: str, tests: tuple[str, ...], junit: str) -> tuple[int, list[str]]:
    env = {**os.environ, "PYTHONPATH": tree}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
         *tests], cwd=tree, env=env, capture_output=True, text=True, check=False)
    if not os.path.exists(junit):
        raise RuntimeError(f"pytest wrote no report:\n{done.stdout}\n{done.stderr}")
    return done.returncode, failed_tests(junit)


def check(mutant: Mutant, tree: str, work: str, unreliable: set[str]) -> tuple[str, list[str]]:
    path = os.path.join(tree, mutant.path)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    if original.count(mutant.old) != 1:
        return "STALE", [f"{mutant.old!r} occurs {original.count(mutant.old)} times"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(original.replace(mutant.old, mutant.new))
    try:
        junit = os.path.join(work, f"{abs(hash(mutant.name))}.xml")
        status, failed = run_tests(tree, mutant.tests, junit)
        failed = [test for test in failed if test not in unreliable]
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
    if failed:
        return "KILLED", failed
    return ("SURVIVED" if status == 0 else f"ERROR (pytest exit {status})"), []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", action="append", default=[], metavar="WORD",
                        help="only mutants whose name contains WORD (case-insensitive)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS
              if not args.k or any(k.lower() in m.name.lower() for k in args.k)]
    with tempfile.TemporaryDirectory(prefix="ttalertd-mutants-") as work:
        tree = os.path.join(work, "tree")
        copy_tree(tree)
        # the same tests must pass on the unmutated copy, or a failure proves nothing
        baseline = sorted({t for m in chosen for t in m.tests})
        status, unreliable = run_tests(tree, tuple(baseline), os.path.join(work, "baseline.xml"))
        if status != 0 and not unreliable:
            print(f"the unmutated tests do not run (pytest exit {status})", file=sys.stderr)
            return 2
        if unreliable:  # a test failing unmutated proves nothing about a mutant: not counted
            print(f"failing without a mutant, not counted as kills: {unreliable}", file=sys.stderr)
        rows = []
        for mutant in chosen:
            start = time.monotonic()
            verdict, caught = check(mutant, tree, work, set(unreliable))
            rows.append((mutant, verdict, caught, time.monotonic() - start))
    width = max(len(m.name) for m, *_ in rows)
    print(f"{'mutant':<{width}}  {'verdict':<8}  {'s':>4}  caught by")
    for mutant, verdict, caught, seconds in rows:
        shown = ", ".join(caught[:4]) + (f" (+{len(caught) - 4} more)" if len(caught) > 4 else "")
        print(f"{mutant.name:<{width}}  {verdict:<8}  {seconds:4.0f}  {shown or '-'}")
    killed = sum(1 for _, verdict, *_ in rows if verdict == "KILLED")
    print(f"{killed} of {len(rows)} mutants killed")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
