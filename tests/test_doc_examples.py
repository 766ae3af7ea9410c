"""Every example in README.md and docs/*.md that shows output is run, and prints what it shows.

An example is a line of a fenced code block that starts with `$ ttalertd ` (continued on the
next line after a trailing backslash), followed by its output up to the next `$ ` line or the
end of the block. It runs through `sh -c` (so `| cat -A`
and `"$(mktemp -u)"` work) with `ttalertd` this checkout's, in a fresh directory that holds no
state and no config: only links to the repository paths the command names (`fixtures/...`).
What it prints is stdout, or where there is none what stderr says besides its log records (an
error line); the host name line of each message is the machine's own, so it is not compared.

Show live output (which no test can reproduce) without the `$ ` prompt.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import socket
import subprocess
from dataclasses import dataclass

import pytest
from cli_support import REPO, cli_env, console_script

HOST = socket.gethostname()
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Example:
    page: str  # relative to the repository root
    line: int  # of the `$ ttalertd` line, 1-based
    command: str
    output: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def examples_of(page: str) -> list[Example]:
    with open(os.path.join(REPO, page), encoding="utf-8") as f:
        lines = f.read().splitlines()
    found: list[Example] = []
    in_block, current = False, None
    for number, raw in enumerate(lines, 1):
        if FENCE.match(raw):
            if current is not None:
                found.append(current)
            in_block, current = not in_block, None
            continue
        if not in_block:
            continue
        text = raw.strip() if current is None else raw.rstrip()
        if text.startswith("$ "):
            if current is not None:
                found.append(current)
            current = (Example(page, number, text[2:], ()) if text.startswith("$ ttalertd ")
                       or text == "$ ttalertd" else None)
        elif current is not None and not current.output and current.command.endswith("\\"):
            current = Example(page, current.line, current.command[:-1] + " " + text.strip(), ())
        elif current is not None:
            indent = len(lines[current.line - 1]) - len(lines[current.line - 1].lstrip())
            current = Example(page, current.line, current.command,
                              (*current.output, raw[indent:].rstrip()))
    return found


PAGES = ["README.md", *sorted(os.path.relpath(p, REPO)
                              for p in glob.glob(os.path.join(REPO, "docs", "*.md")))]
EXAMPLES = [example for page in PAGES for example in examples_of(page)]


def test_the_pages_have_examples_to_run():
    # the test below can fail: README.md's examples are found
    assert any(example.page == "README.md" for example in EXAMPLES)


def link_named_paths(command: str, directory: str) -> None:
    """Link into `directory` the repository paths the command names by a relative path."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    for word in words:
        first = word.split("=", 1)[-1].split(os.sep, 1)[0]
        if not first or first.startswith(("-", "/", "$")) or first in (".", ".."):
            continue
        target = os.path.join(REPO, first)
        link = os.path.join(directory, first)
        if os.path.exists(target) and not os.path.lexists(link):
            os.symlink(target, link)


def shown(done: subprocess.CompletedProcess[str]) -> list[str]:
    """stdout; where there is none, what stderr says besides the log (an error, a usage)."""
    if done.stdout:
        return done.stdout.splitlines()
    said, in_record = [], False
    for line in done.stderr.splitlines():
        if LOG_RECORD.match(line):
            in_record = True  # a record's continuation lines (a message logged whole) go too
        elif not in_record or line.startswith(("ttalertd: ", "usage: ")):
            in_record = False
            said.append(line)
    return said


def is_host_line(actual: str, expected: str) -> bool:
    """The first line of a message: this machine's name where the page shows another."""
    for end in ("", "$"):  # as `cat -A` shows it
        if actual == HOST + end and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*" + re.escape(end),
                                                 expected):
            return True
    return False


def fixture_configs_writable_by_owner_only() -> None:
    """A checkout made under umask 002 leaves the fixture configs group-writable, and ttalertd
    rightly refuses a secret others may write: the pages show a 0644 checkout, so make it one."""
    for folder in ("configs", "hardening"):
        for entry in os.scandir(os.path.join(REPO, "fixtures", folder)):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o022:
                os.chmod(entry.path, entry.stat().st_mode & ~0o022)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_example_prints_what_the_page_shows(example: Example, tmp_path):
    fixture_configs_writable_by_owner_only()
    bin_dir, run_dir = tmp_path / "bin", tmp_path / "run"
    bin_dir.mkdir()
    run_dir.mkdir()
    console_script(bin_dir)
    link_named_paths(example.command, str(run_dir))
    env = cli_env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                  TMPDIR=str(tmp_path))
    done = subprocess.run(["sh", "-c", example.command], cwd=run_dir, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    actual = shown(done)
    expected = list(example.output)
    while expected and expected[-1] == "":  # a blank line before the fence is no output
        expected.pop()
    same = len(actual) == len(expected) and all(
        a == e or is_host_line(a, e) for a, e in zip(actual, expected, strict=True))
    assert same, (f"{example}: `{example.command}` printed (exit {done.returncode}):\n"
                  + "\n".join(actual) + "\n--- the page shows:\n" + "\n".join(expected)
                  + "\n--- its log:\n" + done.stderr[-2000:])


def tree_files(root: str) -> dict[str, bytes]:
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = f.read()
    found.pop("README", None)
    return found


def test_the_recorded_scenarios_the_docs_replay_are_what_their_writers_write(tmp_path):
    # fixtures/hostile (docs/messages.md) and fixtures/login-storm (docs/delivery.md) are
    # recorded copies of what the tests build: they must not drift apart
    from faults_helpers import write_login_storm
    from test_untrusted import write_hostile

    write_hostile(str(tmp_path / "hostile"))
    write_login_storm(str(tmp_path / "login-storm"), 8)
    for name in ("hostile", "login-storm"):
        written = tree_files(str(tmp_path / name))
        assert written and tree_files(os.path.join(REPO, "fixtures", name)) == written, name
