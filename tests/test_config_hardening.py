"""A config is hostile input too: alias bombs, patterns that backtrack, intervals no clock keeps."""

from __future__ import annotations

import os
import re
import resource
import subprocess

import pytest
from faults_helpers import BTIME, assert_no_traceback, cli_command, cli_env, run_cli
from fixture_writer import Proc, Sample, base, write_sample
from hypothesis import given, settings
from hypothesis import strategies as st

from ttalertd.config.linear_regex import MAX_TEXT, LinearPattern, UnsupportedPattern
from ttalertd.config.loader import load_config
from ttalertd.config.records import ConfigError

# nine levels of nine: 9**9 (387 million) strings from 450 bytes
BOMB = "alertmanager:\n  urls: ['http://am:9093']\n  labels:\n    team: [&a0 [" + ",".join(
    ['"x"'] * 9) + "]" + "".join(
    f", &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)) + "]\n"


def write(tmp_path, text: str) -> str:
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: a bomb fails, not the box


def test_a_yaml_alias_bomb_is_refused_in_one_line_without_exhausting_memory(tmp_path):
    assert len(BOMB) < 500
    path = write(tmp_path, BOMB)
    result = subprocess.run(cli_command("check-config", "--config", path), env=cli_env(),
                            capture_output=True, text=True, timeout=60, check=False,
                            preexec_fn=limit_memory)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        (f"ttalertd: {path} line 4: YAML aliases expand past 10000 values; write the values out "
         "or use fewer aliases")]


def test_a_recursive_alias_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="line 1: an alias refers to the value that holds it"):
        load_config(write(tmp_path, "defaults: &d {TOP_N: *d}\n"), env={})


def test_ordinary_aliases_and_merge_keys_still_work(tmp_path):
    text = ("defaults:\n  EXCLUDE_PROCESSES: &skip ['^backup$', '^rsync$']\n"
            "  TRUSTED_LOGINS: ['alice']\n"
            "alertmanager:\n  urls: &am ['http://am:9093']\n  labels: {team: ops}\n"
            "webhook:\n  url: 'http://hook:8080/x'\n  headers: &h {X-Team: ops}\n")
    config = load_config(write(tmp_path, text), env={})
    assert [p.pattern for p in config.exclude_processes] == ["^backup$", "^rsync$"]
    text += "heartbeat: {url: 'http://hc/ping'}\nhost: 'web1'\n"
    assert load_config(write(tmp_path, text), env={}).host == "web1"


CATASTROPHIC = [r"(a+)+$", r"(a|a)*$", r"(a|aa)+$", r"^(\w+\s?)*$", r"(.*a){20}$",
                r"(x+x+)+y", r"(a*)*b", r".*.*.*.*=", r"\w+\s?\w+\s?\w+\s?\w+x",
                r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(\d+|\d+\.\d+)*z"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_match_in_one_pass_over_hostile_text(pattern):
    """Each would backtrack for minutes to centuries in Python's re on these texts."""
    matcher = LinearPattern(pattern)
    for text in ("a" * 34 + "!", "a" * 5000 + "!", "x" * 3000, "1.1" * 2000,
                 "aaaa bbbb " * 500 + "!"):
        assert matcher.search(text) in (True, False)  # returns: the pass is linear
    assert matcher.search("a" * 34 + "!") is bool(re.search(pattern, "a" * 10 + "!"))


def write_hog(scenario: str, cmdline: list[str]) -> None:
    """Two samples; one process uses 100% CPU with `cmdline`."""
    for k in range(2):
        hog = Proc(4242, "hog-1", 1001, cmdline, utime=100 * k * 10, stime=0, start=100)
        write_sample(os.path.join(scenario, str(k)),
                     Sample(f"{1000 + 10 * k:.2f} 0.00", "0.10 0.10 0.10 1/130 4000",
                            [*base(), hog], btime=BTIME))


def test_a_catastrophic_exclude_pattern_cannot_stall_a_tick(tmp_path):
    """Today's build: this --once never ends (35 characters of argv, Python's backtracking)."""
    scenario = str(tmp_path / "s")
    write_hog(scenario, ["a" * 17, "b" * 17 + "!"])
    config = write(tmp_path, "defaults:\n  EXCLUDE_PROCESSES: ['^(\\w+\\s?)*$']\n")
    result = run_cli("--once", "--dry-run", "--replay", scenario, "--config", config,
                     "--state", str(tmp_path / "m.json"), cwd=str(tmp_path), timeout=120)
    assert_no_traceback(result)
    assert result.returncode == 0
    assert "cpu 100.0% pid 4242 bob hog-1: " + "a" * 17 in result.stdout  # not excluded: the "!"


@pytest.mark.parametrize(("pattern", "construct"), [
    (r"(a)\1", "a backreference"), (r"foo(?=bar)", "a lookahead or lookbehind"),
    (r"(?<!x)y", "a lookahead or lookbehind"), (r"(?>a+)b", "an atomic group"),
    (r"a++", "a possessive repeat"), (r"(a)?(?(1)b|c)", "a conditional group"),
    (r"(a{50}){50}", "a pattern this large"),
])
def test_patterns_no_automaton_can_run_are_refused_in_one_line(tmp_path, pattern, construct):
    text = f"defaults:\n  EXCLUDE_PROCESSES: ['{pattern}']\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert str(caught.value).startswith(f"defaults.EXCLUDE_PROCESSES: {pattern!r} uses {construct}")
    assert "linear" in str(caught.value)


def test_only_the_first_max_text_characters_are_matched():
    assert LinearPattern("x$").search("a" * (MAX_TEXT - 1) + "x")
    assert not LinearPattern("y").search("a" * MAX_TEXT + "y")


# differential: the linear engine says what Python's re says, on patterns re runs quickly
ATOMS = st.sampled_from(["a", "b", ".", r"\w", r"\d", r"\s", r"\W", "[ab]", "[^a]", "[a-c]",
                         r"\b", r"\B", "^", "$", r"\Z", r"\A", "_", "é", "A", "\\n", " "])


def pattern_strategy():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, inner).map("".join),
            st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{2}", "{0,2}", "{1,3}", "*?"])
                      ).map(lambda p: f"(?:{p[0]}){p[1]}"),
            inner.map(lambda p: f"({p})"),
        )
    return st.tuples(st.sampled_from(["", "(?i)", "(?m)", "(?s)", "(?a)"]),
                     st.recursive(ATOMS, extend, max_leaves=6)).map("".join)


@settings(max_examples=400, deadline=None)
@given(pattern=pattern_strategy(), texts=st.lists(
    st.text(alphabet="abcAB_1 \n.é-", max_size=10), min_size=1, max_size=8))
def test_the_linear_engine_agrees_with_python_re(pattern, texts):
    try:
        compiled = re.compile(pattern)
    except re.error:
        return
    matcher = LinearPattern(pattern)
    for text in texts:
        assert matcher.search(text) == bool(compiled.search(text)), (pattern, text)


def test_refused_constructs_raise_unsupported_pattern():
    with pytest.raises(UnsupportedPattern):
        LinearPattern(r"(a)\1")


def test_a_search_past_its_work_bound_gives_up_and_excludes_nothing(caplog):
    """A huge pattern on a hostile text: the search stops (the process alerts, never hides)."""
    matcher = LinearPattern(r"(a?){600}a{500}")  # 1701 states, every one live on a run of a's
    assert matcher.search("a" * MAX_TEXT) is False
    assert matcher.gave_up == 1
    assert "gave up after" in caplog.text and "not excluded" in caplog.text
    assert LinearPattern(r"a{500}").search("a" * MAX_TEXT) is True  # within the bound
