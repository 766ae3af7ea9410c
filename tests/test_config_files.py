"""Where the config is looked for, the check-config summary, and fuzzing: whatever the file
holds, loading it raises nothing but a one-line ConfigError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttalertd.config.loader import describe, find_config_path, load_config
from ttalertd.config.records import Config, ConfigError

MAPPING = """\
twilio:
  account_sid: "AC00000000000000000000000000000123"
  auth_token: "f00dfeedcafe0123456789abcdef0123"
  to: ["+15551234567", "+15557654321"]
  from: "+18885551234"
defaults:
  LOAD_AVG_MAX: 3
  CPU_LIMIT: 150
  RESET_INTERVAL: 10
  TOP_N: 5
  MAX_SMS_PER_HOUR: 4
"""


def write(directory: Path, text: str | bytes) -> str:
    path = directory / "credentials.yml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(0o600)
    return str(path)


def load(directory: Path, text: str) -> Config:
    return load_config(write(directory, text), env={})


# --- find_config_path ----------------------------------------------------------------------


def test_find_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cli, env_file, local = (tmp_path / name for name in ("cli.yml", "env.yml", "credentials.yml"))
    for path in (cli, env_file, local):
        path.write_text("")
    env = {"TTALERTD_CONFIG": str(env_file)}
    assert find_config_path(str(cli), env) == str(cli)
    assert find_config_path(None, env) == str(env_file)
    assert find_config_path(None, {"TTALERTD_CONFIG": ""}) == os.path.abspath("credentials.yml")
    local.unlink()
    # the system-wide file comes last; TTALERTD_SYSTEM_CONFIG names another, '' none
    system = tmp_path / "system.yml"
    assert find_config_path(None, {"TTALERTD_SYSTEM_CONFIG": str(system)}) is None
    system.write_text("")
    assert find_config_path(None, {"TTALERTD_SYSTEM_CONFIG": str(system)}) == str(system)
    assert find_config_path(None, {"TTALERTD_SYSTEM_CONFIG": ""}) is None
    local.write_text("")
    assert find_config_path(None, {"TTALERTD_SYSTEM_CONFIG": str(system)}) == str(local)


def test_a_named_config_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yml")
    with pytest.raises(ConfigError, match=r"^config: .*missing\.yml does not exist$"):
        find_config_path(missing, {})
    with pytest.raises(ConfigError, match="does not exist"):
        find_config_path(None, {"TTALERTD_CONFIG": missing})


# --- describe ------------------------------------------------------------------------------


def test_describe(tmp_path: Path) -> None:
    line = describe(load(tmp_path, MAPPING))
    assert "f00dfeed" not in line
    assert line.startswith(
        f"ok: {tmp_path / 'credentials.yml'}: SMS to 2 numbers via "
        "https://api.twilio.com; LOAD_AVG_MAX 3.0, CPU_LIMIT 150.0"
    )
    assert "RESET_INTERVAL 10 ticks, TOP_N 5, MAX_SMS_PER_HOUR 4" in line
    default = describe(load_config(None, env={}))
    assert "built-in defaults" in default and "console" in default and "\n" not in default
    assert "console notifier" in describe(load(tmp_path, "defaults: {FOR_TICKS: 3}\n"))
    assert "FOR_TICKS 3" in describe(load(tmp_path, "defaults: {FOR_TICKS: 3}\n"))


# --- robustness: whatever the file holds, the only exception is ConfigError -----------------

_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _only_config_error(path: str) -> None:
    try:
        load_config(path, env={})
    except ConfigError as caught:
        assert "\n" not in str(caught)


@_FUZZ
@given(st.text())
def test_random_text_raises_only_config_error(tmp_path: Path, text: str) -> None:
    _only_config_error(write(tmp_path, text.encode("utf-8", "surrogatepass")))


@_FUZZ
@given(st.binary())
def test_random_bytes_raise_only_config_error(tmp_path: Path, data: bytes) -> None:
    _only_config_error(write(tmp_path, data))


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
_KEYS = st.sampled_from(["twilio", "defaults", "alertmanager", "webhook"])
_DEFAULT_KEYS = st.sampled_from(
    [
        "LOAD_AVG_MAX",
        "TOP_N",
        "RECOVER_RATIO",
        "NOTIFY_RECOVERY",
        "SWAP_USED_MAX",
        "EXCLUDE_PROCESSES",
        "TRUSTED_LOGINS",
        "QUIET_HOURS",
        "FOR_TICKS",
    ]
)


@_FUZZ
@given(st.dictionaries(_KEYS, _VALUES | st.dictionaries(_DEFAULT_KEYS, _VALUES), max_size=4))
def test_random_structures_raise_only_config_error(tmp_path: Path, document: dict) -> None:
    _only_config_error(write(tmp_path, yaml.safe_dump(document)))
