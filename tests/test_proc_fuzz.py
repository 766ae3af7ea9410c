"""Random bytes into every parser: a record (or list) comes back, or ParseError; nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proc
from proc.logind import parse_session_file, session_from_values

PARSERS = [
    proc.parse_pid_stat,
    proc.parse_loadavg,
    proc.parse_uptime,
    proc.parse_meminfo,
    proc.parse_system_stat,
    proc.parse_utmp,
    proc.parse_mounts,
    proc.parse_passwd,
]
# bytes that look a little like the real files, so parsers get past their first check
NEAR = st.lists(
    st.sampled_from([b"(", b")", b" ", b"\n", b":", b"\0", b"1", b"-1", b"99999999999999999999",
                     b"0.5", b"nan", b"MemTotal", b"btime", b"cpu0", b"\xff", b"kB", b"x"]),
    max_size=60,
).map(b"".join)  # fmt: skip


@pytest.mark.parametrize("parse", PARSERS, ids=lambda f: f.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.one_of(st.binary(max_size=1200), NEAR))
def test_parsers_raise_only_parse_error(parse, data):
    try:
        parse(data)
    except proc.ParseError:
        pass


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(st.binary(max_size=400), NEAR))
def test_logind_session_file_never_raises(data):
    session_from_values(parse_session_file(data))


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=384, max_size=1200))
def test_utmp_of_random_records_never_raises_on_either_layout(data):
    for machine in ("x86_64", "aarch64"):
        for session in proc.parse_utmp(data, machine=machine):
            assert session.user and session.since.tzinfo is not None
