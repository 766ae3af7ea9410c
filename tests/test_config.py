"""credentials.yml: the two twilio forms, env overrides, YAML errors, secrets, file lookup."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ttalertd.config.loader import describe, load_config
from ttalertd.config.records import Config, ConfigError

TOKEN = "f00dfeedcafe0123456789abcdef0123"  # the auth token: must never be printed

ORIGINAL = f"""\
twilio:
    - "AC0123456789abcdef0123456789abcdef"
    - "{TOKEN}"
    - "+15551234567"      # 3rd: your mobile number (To)
    - "+18885551234"      # 4th: your Twilio number (From)
defaults:
    LOAD_AVG_MAX: 1.2
    CPU_LIMIT: 20.0
    ALERT_INTERVAL: 60.0
    RESET_INTERVAL: 60.0
"""

MAPPING = f"""\
twilio:
  account_sid: "AC00000000000000000000000000000123"
  auth_token: "{TOKEN}"
  to: ["+15551234567", "+15557654321"]
  from: "+18885551234"
  api_url: "https://api.twilio.com/"
defaults:
  LOAD_AVG_MAX: 3
  CPU_LIMIT: 150
  ALERT_INTERVAL: 30
  RESET_INTERVAL: 10
  TOP_N: 5
  MAX_SMS_PER_HOUR: 4
"""


def write(directory: Path, text: str | bytes, mode: int = 0o600) -> str:
    path = directory / "credentials.yml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(mode)
    return str(path)


def load(directory: Path, text: str, env: dict[str, str] | None = None) -> Config:
    return load_config(write(directory, text), env={} if env is None else env)


def error(directory: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(directory, text, env)
    message = str(caught.value)
    assert "\n" not in message
    assert TOKEN not in message
    return message


# --- the original list form and the mapping form -------------------------------------------


def test_original_list_form_reads_to_and_from_in_readme_order(tmp_path: Path) -> None:
    config = load(tmp_path, ORIGINAL)
    assert config.twilio is not None
    assert config.twilio.account_sid == "AC0123456789abcdef0123456789abcdef"
    assert config.twilio.auth_token == TOKEN
    assert config.twilio.to == ("+15551234567",)
    assert config.twilio.from_ == "+18885551234"
    assert config.twilio.messaging_service_sid is None and config.twilio.api_url is None
    assert (config.load_avg_max, config.cpu_limit) == (1.2, 20.0)
    assert (config.alert_interval, config.reset_interval) == (60.0, 60.0)
    assert (config.top_n, config.max_sms_per_hour) == (8, 10)
    assert config.alertmanager is None and config.webhook is None


@pytest.mark.parametrize("sid", ["your Twilio account SID", "AC...", "AC123",
                                 "AC0123456789abcdef0123456789abcdeg", "MG" + "0" * 32,
                                 "AC0123456789abcdef0123456789abcdef0"])
def test_placeholder_and_malformed_account_sids_are_refused(tmp_path: Path, sid: str) -> None:
    """Twilio's API refuses them: check-config says so, not the first SMS."""
    text = ORIGINAL.replace("AC0123456789abcdef0123456789abcdef", sid)
    message = error(tmp_path, text)
    assert message == ("twilio entry 1 (account SID): must be AC followed by 32 hex digits, "
                       "as the Twilio console shows it")
    mapping = MAPPING.replace("AC00000000000000000000000000000123", sid)
    assert error(tmp_path, mapping).startswith("twilio.account_sid: must be AC followed by 32")
    env = {"TWILIO_ACCOUNT_SID": sid}
    assert error(tmp_path, MAPPING, env).startswith("TWILIO_ACCOUNT_SID: must be AC followed")


@pytest.mark.parametrize("sid", ["MG...", "MG42", "AC" + "0" * 32, "MG" + "0" * 31 + "x"])
def test_placeholder_and_malformed_messaging_service_sids_are_refused(tmp_path, sid) -> None:
    text = MAPPING.replace('  from: "+18885551234"\n', f'  messaging_service_sid: "{sid}"\n')
    assert error(tmp_path, text).startswith(
        "twilio.messaging_service_sid: must be MG followed by 32 hex digits")


def test_mapping_form_with_a_list_of_numbers(tmp_path: Path) -> None:
    config = load(tmp_path, MAPPING)
    assert config.twilio is not None
    assert config.twilio.to == ("+15551234567", "+15557654321")
    assert config.twilio.from_ == "+18885551234"
    assert config.twilio.api_url == "https://api.twilio.com"  # trailing slash dropped
    assert (config.load_avg_max, config.cpu_limit, config.alert_interval) == (3.0, 150.0, 30.0)
    assert isinstance(config.load_avg_max, float)
    assert (config.reset_interval, config.top_n, config.max_sms_per_hour) == (10.0, 5, 4)


def test_mapping_form_with_one_number_and_a_messaging_service(tmp_path: Path) -> None:
    text = f"""\
twilio:
  account_sid: "AC00000000000000000000000000000001"
  auth_token: "{TOKEN}"
  to: "+447700900123"
  messaging_service_sid: "MG00000000000000000000000000000042"
"""
    twilio = load(tmp_path, text).twilio
    assert twilio is not None
    assert twilio.to == ("+447700900123",)
    assert twilio.from_ is None
    assert twilio.messaging_service_sid == "MG00000000000000000000000000000042"


def test_no_twilio_section_leaves_every_notifier_off(tmp_path: Path) -> None:
    config = load(tmp_path, "defaults:\n  LOAD_AVG_MAX: 2.5\n")
    assert (config.twilio, config.alertmanager, config.webhook) == (None, None, None)
    assert config.load_avg_max == 2.5 and config.cpu_limit == 20.0


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "twilio:\ndefaults:\n"])
def test_empty_file_or_empty_sections_give_the_defaults(tmp_path: Path, text: str) -> None:
    config = load(tmp_path, text)
    assert config == Config(path=config.path)
    assert config.path.endswith("credentials.yml")


# --- phone numbers and missing keys --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (ORIGINAL.replace('"+15551234567"', "+15551234567"), "twilio entry 3"),
        (ORIGINAL.replace('"+18885551234"', "+18885551234"), "twilio entry 4"),
        (MAPPING.replace('"+15557654321"', "+15557654321"), "twilio.to"),
        (MAPPING.replace('"+18885551234"', "+18885551234"), "twilio.from"),
    ],
)
def test_unquoted_phone_number_is_an_error_that_says_why(
    tmp_path: Path, text: str, key: str
) -> None:
    message = error(tmp_path, text)
    assert message.startswith(key)
    assert "YAML read it as a number" in message and "quoted" in message
    assert "+1555" in message or "+1888" in message


@pytest.mark.parametrize("number", ['"+1 555 123 4567"', '"15551234567"', '"+1234567"', '""'])
def test_phone_number_must_be_e164(tmp_path: Path, number: str) -> None:
    message = error(tmp_path, MAPPING.replace('"+18885551234"', number))
    assert message.startswith("twilio.from:") and "E.164" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twilio:\n  - a\n  - b\n  - '+15551234567'\n", "twilio: must be a list of 4"),
        (MAPPING.replace(f'  auth_token: "{TOKEN}"\n', ""), "twilio.auth_token: missing"),
        (MAPPING.replace('  account_sid: "AC00000000000000000000000000000123"\n', ""),
         "twilio.account_sid: missing"),
        (MAPPING.replace('  from: "+18885551234"\n', ""), "twilio.from: missing"),
        (MAPPING.replace('  to: ["+15551234567", "+15557654321"]\n', ""), "twilio.to: missing"),
        (MAPPING.replace('["+15551234567", "+15557654321"]', "[]"), "twilio.to: the list is empty"),
        (MAPPING.replace('"+15557654321"', '"+15551234567"'), "twilio.to: +15551234567 is listed"),
        # goes under defaults: unknown key
        (MAPPING + '  messaging_service_sid: "MG00000000000000000000000000000001"\n', None),
        (
            MAPPING.replace("  from:", '  messaging_service_sid: '
                            '"MG00000000000000000000000000000001"\n  from:'),
            "twilio.from: give",
        ),
        (MAPPING.replace("  from:", "  form:"), "twilio.form: unknown key (did you mean from?)"),
        (MAPPING.replace('"AC00000000000000000000000000000123"', "123"),
         "twilio.account_sid: must be a quoted string"),
        ("twilio: AC123\n", "twilio: must be a list of 4"),
    ],
)
def test_missing_or_wrong_twilio_keys(tmp_path: Path, text: str, expected: str | None) -> None:
    message = error(tmp_path, text)
    if expected is not None:
        assert message.startswith(expected), message
    else:
        assert message.startswith("defaults.messaging_service_sid: unknown key")


def test_an_unquoted_numeric_token_is_refused_without_printing_it(tmp_path: Path) -> None:
    message = error(tmp_path, MAPPING.replace(f'"{TOKEN}"', "12345678901234567890"))
    assert message.startswith("twilio.auth_token: must be a quoted string")
    assert "12345678901234567890" not in message


# --- environment overrides -----------------------------------------------------------------

ENV = {"TWILIO_ACCOUNT_SID": "AC000000000000000000000000000000ee", "TWILIO_AUTH_TOKEN": "envtoken",
       "TWILIO_API_URL": ""}


@pytest.mark.parametrize("text", [ORIGINAL, MAPPING])
def test_environment_overrides_the_file_in_both_forms(tmp_path: Path, text: str) -> None:
    env = dict(ENV, TWILIO_API_URL="http://127.0.0.1:8099/")
    twilio = load(tmp_path, text, env).twilio
    assert twilio is not None
    assert twilio.account_sid == "AC000000000000000000000000000000ee"
    assert twilio.auth_token == "envtoken"
    assert twilio.api_url == "http://127.0.0.1:8099"
    assert twilio.to[0] == "+15551234567"


def test_empty_environment_variables_do_not_override(tmp_path: Path) -> None:
    env = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_API_URL": ""}
    twilio = load(tmp_path, MAPPING, env).twilio
    assert (twilio.account_sid, twilio.auth_token) == ("AC00000000000000000000000000000123", TOKEN)


def test_environment_supplies_a_token_missing_from_the_file(tmp_path: Path) -> None:
    text = MAPPING.replace(f'  auth_token: "{TOKEN}"\n', "")
    assert load(tmp_path, text, ENV).twilio.auth_token == "envtoken"


def test_bad_twilio_api_url_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    message = error(tmp_path, MAPPING, dict(ENV, TWILIO_API_URL="ftp://example"))
    assert message.startswith("TWILIO_API_URL:")


def test_environment_alone_keeps_the_console_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ttalertd.config"):
        assert load_config(None, env=ENV) == Config()
        assert load(tmp_path, "defaults: {TOP_N: 3}\n", ENV).twilio is None
    assert len(caplog.records) == 2
    assert "no twilio section" in caplog.records[0].getMessage()
    assert "envtoken" not in caplog.text


# --- YAML errors, file problems, secrets ---------------------------------------------------


def test_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    text = ('twilio:\n  account_sid: "AC00000000000000000000000000000001"\n'
            '  auth_token: "x\ndefaults: [\n')
    message = error(tmp_path, "defaults:\n  LOAD_AVG_MAX: 1\n  CPU_LIMIT: [1, 2\n  TOP_N: 3\n")
    assert message.startswith(str(tmp_path / "credentials.yml") + " line 4: "), message
    message = error(tmp_path, "twilio:\n  - a\n    b: c\n")
    assert " line 3: " in message
    assert " line " in error(tmp_path, text)


@pytest.mark.parametrize(
    "text",
    ["- 1\n- 2\n", "just a string\n", "42\n"],
)
def test_the_document_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    assert "must be a mapping" in error(tmp_path, text)


def test_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    assert error(tmp_path, "twillio: []\n").startswith("twillio: unknown key (did you mean twilio")


def test_bad_scalar_and_bad_bytes_are_config_errors_with_a_line(tmp_path: Path) -> None:
    assert " line 2: " in error(tmp_path, "defaults:\n  LOAD_AVG_MAX: 2001-13-01\n")
    with pytest.raises(ConfigError, match=r"line 2: not UTF-8"):
        load_config(write(tmp_path, b"defaults:\n  \xff\xfe: 1\n"), env={})
    with pytest.raises(ConfigError, match=r"line 1: "):
        load_config(write(tmp_path, b"a: \x00\n"), env={})


@pytest.mark.parametrize(
    "text",
    ["!!int \n", "!!timestamp \n", "a: !!float x\n", "[" * 3000 + "]" * 3000, '"\\n": 1\n'],
)
def test_yaml_that_trips_pyyaml_is_a_one_line_config_error(tmp_path: Path, text: str) -> None:
    error(tmp_path, text)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(str(tmp_path), env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.yml"), env={})


@pytest.mark.parametrize(
    "text",
    [
        # the token typed in the To slot by mistake, and elsewhere where a value is echoed
        f'twilio: ["AC00000000000000000000000000000001", "{TOKEN}", "{TOKEN}", "+18885551234"]\n',
        f'twilio: ["AC00000000000000000000000000000001", "{TOKEN}", "+15551234567", "+{TOKEN}"]\n',
        (
            f'twilio:\n  account_sid: "AC00000000000000000000000000000001"\n'
            f'  auth_token: "{TOKEN}"\n  to: "+1555"\n'
            f'  from: "+15551234567"\n  api_url: "{TOKEN}"\n'
        ),
        (
            f'twilio: ["AC00000000000000000000000000000001", "{TOKEN}", "+15551234567", '
            f'"+18885551234"]\n'
            f"defaults:\n  EXCLUDE_PROCESSES: ['{TOKEN}(']\n"
        ),
    ],
)
def test_the_token_is_never_in_an_error(tmp_path: Path, text: str) -> None:
    error(tmp_path, text)  # asserts TOKEN is not in the message


def test_reprs_hide_every_secret(tmp_path: Path) -> None:
    text = MAPPING.replace(
        "defaults:",
        "webhook:\n  url: http://127.0.0.1:9/\n"
        "  headers: {Authorization: 'Bearer hdrsecret'}\n"
        "alertmanager:\n  urls: [http://127.0.0.1:9093]\n"
        "  bearer_token: bearersecret\ndefaults:",
    )
    config = load(tmp_path, text)
    for shown in (repr(config), str(config), describe(config)):
        assert TOKEN not in shown and "hdrsecret" not in shown and "bearersecret" not in shown


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_permission_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool
) -> None:
    path = write(tmp_path, ORIGINAL, mode)
    with caplog.at_level(logging.WARNING, logger="ttalertd.config"):
        load_config(path, env={})
    assert bool(caplog.records) == warned
    assert TOKEN not in caplog.text
    if warned:
        assert "chmod 600" in caplog.text and path in caplog.text


def test_no_permission_warning_when_the_file_holds_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "defaults: {TOP_N: 3}\n", 0o644)
    with caplog.at_level(logging.WARNING, logger="ttalertd.config"):
        load_config(path, env={})
    assert not caplog.records
