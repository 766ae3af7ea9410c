"""Every `defaults` key (interface.md sections 2 and 8) and the alertmanager and webhook sections
(section 9): good values give the record, bad ones a one-line error that names the key."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ttalertd.config.loader import load_config
from ttalertd.config.records import (
    AlertmanagerConfig,
    Config,
    ConfigError,
    QuietHours,
    TrustedLogin,
    WebhookConfig,
)


def load(directory: Path, text: str) -> Config:
    path = directory / "credentials.yml"
    path.write_text(text)
    path.chmod(0o600)
    return load_config(str(path), env={})


def error(directory: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(directory, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def defaults(directory: Path, key: str, value: str) -> Config:
    return load(directory, f"defaults:\n  {key}: {value}\n")


def defaults_error(directory: Path, key: str, value: str) -> str:
    message = error(directory, f"defaults:\n  {key}: {value}\n")
    assert message.startswith(f"defaults.{key}: "), message
    return message


GOOD = [
    ("LOAD_AVG_MAX", "0", "load_avg_max", 0.0),
    ("LOAD_AVG_MAX", "4.5", "load_avg_max", 4.5),
    ("CPU_LIMIT", "250", "cpu_limit", 250.0),
    ("ALERT_INTERVAL", "1", "alert_interval", 1.0),
    ("ALERT_INTERVAL", "86400", "alert_interval", 86400.0),
    ("RESET_INTERVAL", "1", "reset_interval", 1.0),
    ("TOP_N", "20", "top_n", 20),
    ("TOP_N", "8.0", "top_n", 8),  # the original README says "all defaults values are floats"
    ("MAX_SMS_PER_HOUR", "1", "max_sms_per_hour", 1),
    ("FOR_TICKS", "3", "for_ticks", 3),
    ("RECOVER_RATIO", "1", "recover_ratio", 1.0),
    ("RECOVER_RATIO", "0.5", "recover_ratio", 0.5),
    ("NOTIFY_RECOVERY", "false", "notify_recovery", False),
    ("NOTIFY_RECOVERY", "yes", "notify_recovery", True),
    ("MEM_AVAILABLE_MIN", "null", "mem_available_min", None),
    ("MEM_AVAILABLE_MIN", "0", "mem_available_min", 0.0),
    ("SWAP_USED_MAX", "85", "swap_used_max", 85.0),
    ("DISK_FREE_MIN", "100", "disk_free_min", 100.0),
    ("DISK_FREE_MIN", "~", "disk_free_min", None),
    ("QUIET_HOURS", "null", "quiet_hours", None),
    ("QUIET_HOURS", '"23:00-07:00"', "quiet_hours", QuietHours(23 * 60, 7 * 60)),
    ("QUIET_HOURS", '"9:30 - 17:45"', "quiet_hours", QuietHours(9 * 60 + 30, 17 * 60 + 45)),
    ("EXCLUDE_PROCESSES", "[]", "exclude_processes", ()),
    ("TRUSTED_LOGINS", "null", "trusted_logins", ()),
]


@pytest.mark.parametrize(("key", "value", "field", "expected"), GOOD)
def test_good_defaults_values(
    tmp_path: Path, key: str, value: str, field: str, expected: object
) -> None:
    got = getattr(defaults(tmp_path, key, value), field)
    assert got == expected and type(got) is type(expected)


BAD = [
    ("LOAD_AVG_MAX", '"1.2"', "not a quoted string"),
    ("LOAD_AVG_MAX", "high", "not a quoted string"),
    ("LOAD_AVG_MAX", "true", "not a boolean"),
    ("LOAD_AVG_MAX", "null", "not null"),
    ("LOAD_AVG_MAX", "-1", "at least 0"),
    ("LOAD_AVG_MAX", ".nan", "finite"),
    ("CPU_LIMIT", "[20]", "not a list"),
    ("CPU_LIMIT", ".inf", "finite"),
    ("ALERT_INTERVAL", "0", "at least 1"),
    ("ALERT_INTERVAL", "0.5", "at least 1"),
    ("ALERT_INTERVAL", "5.0e-324", "at least 1"),
    ("ALERT_INTERVAL", "1.0e+10", "at most 86400"),
    ("RESET_INTERVAL", "-5", "greater than 0"),
    ("TOP_N", "0", "at least 1"),
    ("TOP_N", "2.5", "whole number"),
    ("MAX_SMS_PER_HOUR", "0", "at least 1"),
    ("FOR_TICKS", "0", "at least 1"),
    ("FOR_TICKS", "1.5", "whole number"),
    ("FOR_TICKS", '"2"', "not a quoted string"),
    ("RECOVER_RATIO", "0", "greater than 0"),
    ("RECOVER_RATIO", "1.2", "at most 1"),
    ("NOTIFY_RECOVERY", '"true"', "true or false"),
    ("NOTIFY_RECOVERY", "1", "true or false"),
    ("MEM_AVAILABLE_MIN", "101", "at most 100"),
    ("SWAP_USED_MAX", "-0.5", "at least 0"),
    ("DISK_FREE_MIN", '"5%"', "not a quoted string"),
    ("EXCLUDE_PROCESSES", '"^cc1$"', "must be a list"),
    ("EXCLUDE_PROCESSES", '["ok", "a(b"]', "'a(b' is not a valid regular expression"),
    ("EXCLUDE_PROCESSES", '["*"]', "'*' is not a valid regular expression"),
    ("EXCLUDE_PROCESSES", '[""]', "empty pattern"),
    ("EXCLUDE_PROCESSES", "[42]", "must be a quoted string"),
    ("TRUSTED_LOGINS", "alice", "must be a list"),
    ("TRUSTED_LOGINS", '["alice@example.com"]', "'example.com' is not an IPv4 or IPv6"),
    ("TRUSTED_LOGINS", '["@10.0.0.0/33"]', "is not an IPv4 or IPv6"),
    ("TRUSTED_LOGINS", '["@"]', "is not an IPv4 or IPv6"),
    ("TRUSTED_LOGINS", '["al ice"]', "is not a user name"),
    ("TRUSTED_LOGINS", '[""]', "empty entry"),
    ("TRUSTED_LOGINS", "[7]", "must be a string"),
    ("QUIET_HOURS", "23:00", "quoted"),  # YAML reads it as the base-60 number 1380
    ("QUIET_HOURS", '"23:00"', "must look like"),
    ("QUIET_HOURS", '"25:00-07:00"', "time of day"),
    ("QUIET_HOURS", '"23:60-07:00"', "time of day"),
    ("QUIET_HOURS", '"07:00-07:00"', "same minute"),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD)
def test_bad_defaults_values_name_the_key(
    tmp_path: Path, key: str, value: str, expected: str
) -> None:
    assert expected in defaults_error(tmp_path, key, value)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("LOAD_AVG_MX", "did you mean LOAD_AVG_MAX?"), ("top_n", "did you mean TOP_N?")],
)
def test_unknown_defaults_key_is_named(tmp_path: Path, key: str, expected: str) -> None:
    assert expected in defaults_error(tmp_path, key, "1")


def test_defaults_must_be_a_mapping(tmp_path: Path) -> None:
    assert error(tmp_path, "defaults: [1.2, 20]\n").startswith("defaults: must be a mapping")


def test_exclude_processes_compiles_the_patterns(tmp_path: Path) -> None:
    config = defaults(tmp_path, "EXCLUDE_PROCESSES", r'["^cc1(plus)?$", "backup\\.sh"]')
    assert [p.pattern for p in config.exclude_processes] == [r"^cc1(plus)?$", r"backup\.sh"]
    assert config.exclude_processes[1].search("/usr/bin/backup.sh --all")


def test_trusted_logins_forms(tmp_path: Path) -> None:
    entries = '["deploy", "@10.0.0.0/8", "alice@192.168.1.7", "@2001:db8::/32", "bob@10.1.2.3/16"]'
    rules = defaults(tmp_path, "TRUSTED_LOGINS", entries).trusted_logins
    assert rules == (
        TrustedLogin("deploy", None),
        TrustedLogin(None, ipaddress.ip_network("10.0.0.0/8")),
        TrustedLogin("alice", ipaddress.ip_network("192.168.1.7/32")),
        TrustedLogin(None, ipaddress.ip_network("2001:db8::/32")),
        TrustedLogin("bob", ipaddress.ip_network("10.1.0.0/16")),  # strict=False
    )


@pytest.mark.parametrize(
    ("rule", "user", "host", "expected"),
    [
        ("deploy", "deploy", "", True),
        ("deploy", "deploy", "203.0.113.9", True),
        ("deploy", "alice", "", False),
        ("@10.0.0.0/8", "anyone", "10.20.30.40", True),
        ("@10.0.0.0/8", "anyone", "11.0.0.1", False),
        ("@10.0.0.0/8", "anyone", "", False),  # a local login is not in any network
        ("@10.0.0.0/8", "anyone", "ten.example.com", False),  # a name never matches a CIDR
        ("@10.0.0.0/8", "anyone", "::ffff:10.0.0.5", True),  # IPv4-mapped IPv6
        ("@10.0.0.0/8", "anyone", "2001:db8::1", False),
        ("@2001:db8::/32", "anyone", "2001:db8::1", True),
        ("@2001:db8::/32", "anyone", "[2001:db8::1]", True),
        ("@fe80::/10", "anyone", "fe80::1%eth0", True),
        ("alice@192.168.1.0/24", "alice", "192.168.1.7", True),
        ("alice@192.168.1.0/24", "bob", "192.168.1.7", False),
        ("alice@192.168.1.0/24", "alice", "192.168.2.7", False),
    ],
)
def test_trusted_login_matches(
    tmp_path: Path, rule: str, user: str, host: str, expected: bool
) -> None:
    (parsed,) = defaults(tmp_path, "TRUSTED_LOGINS", f'["{rule}"]').trusted_logins
    assert parsed.matches(user, host) is expected


@pytest.mark.parametrize(
    ("start", "end", "inside", "outside"),
    [
        (23 * 60, 7 * 60, [23 * 60, 0, 6 * 60 + 59], [7 * 60, 12 * 60, 23 * 60 - 1]),
        (9 * 60, 17 * 60, [9 * 60, 16 * 60 + 59], [17 * 60, 8 * 60 + 59, 0, 1439]),
    ],
)
def test_quiet_hours_contains(start: int, end: int, inside: list[int], outside: list[int]) -> None:
    quiet = QuietHours(start, end)
    assert all(quiet.contains(m) for m in inside)
    assert not any(quiet.contains(m) for m in outside)


# --- section 9: alertmanager and webhook ---------------------------------------------------


def test_alertmanager_and_webhook_sections(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """\
alertmanager:
  urls: ["http://127.0.0.1:9093/", "https://am2.example:9093/prefix"]
  labels: {team: ops, env: prod}
  bearer_token: "amtoken"
webhook:
  url: "https://ntfy.example/ops"
  headers: {Authorization: "Bearer hooktoken", X-Priority: "5"}
""",
    )
    assert config.alertmanager == AlertmanagerConfig(
        urls=("http://127.0.0.1:9093", "https://am2.example:9093/prefix"),
        labels=(("team", "ops"), ("env", "prod")),
        bearer_token="amtoken",
    )
    assert config.webhook == WebhookConfig(
        url="https://ntfy.example/ops",
        headers=(("Authorization", "Bearer hooktoken"), ("X-Priority", "5")),
    )
    assert config.twilio is None


def test_optional_parts_of_section_9(tmp_path: Path) -> None:
    config = load(tmp_path, "alertmanager:\n  urls: [http://am:9093]\nwebhook:\n  url: http://h\n")
    assert config.alertmanager == AlertmanagerConfig(urls=("http://am:9093",))
    assert config.webhook == WebhookConfig(url="http://h")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alertmanager: {}\n", "alertmanager.urls: missing"),
        ("alertmanager: {urls: []}\n", "alertmanager.urls: must be a list of at least one"),
        ("alertmanager: {urls: [am:9093]}\n", "alertmanager.urls: 'am:9093' must be an http"),
        ("alertmanager: {urls: ['ftp://am']}\n", "alertmanager.urls: 'ftp://am' must be an http"),
        ("alertmanager: {urls: ['http://am:x']}\n", "alertmanager.urls: 'http://am:x' is not a"),
        ("alertmanager: {urls: [http://a, 'http://a/']}\n", "alertmanager.urls: 'http://a' is li"),
        ("alertmanager: {urls: [http://a], labels: {severity: page}}\n", "labels.severity: may n"),
        ("alertmanager: {urls: [http://a], labels: {alertname: x}}\n", "labels.alertname: may n"),
        ("alertmanager: {urls: [http://a], labels: {instance: x}}\n", "labels.instance: may n"),
        ("alertmanager: {urls: [http://a], labels: {team: 1}}\n", "labels.team: 1 must be a q"),
        ("alertmanager: {urls: [http://a], labels: {9x: a}}\n", "not a Prometheus label name"),
        ("alertmanager: {urls: [http://a], labels: [a]}\n", "alertmanager.labels: must be a map"),
        ("alertmanager: {urls: [http://a], bearer_token: 12}\n", "alertmanager.bearer_token: mu"),
        ("alertmanager: {url: http://a}\n", "alertmanager.url: unknown key (did you mean urls?)"),
        ("alertmanager: [http://a]\n", "alertmanager: must be a mapping"),
        ("webhook: {}\n", "webhook.url: missing"),
        ("webhook: {url: ntfy.example}\n", "webhook.url: 'ntfy.example' must be an http"),
        ("webhook: {url: http://h, headers: {A: 1}}\n", "webhook.headers.A: must be a quoted"),
        ("webhook: {url: http://h, headers: {'A B': x}}\n", "'A B' is not a valid header name"),
        ("webhook: {url: http://h, headers: [x]}\n", "webhook.headers: must be a mapping"),
        ("webhook: {url: http://h, header: {}}\n", "webhook.header: unknown key (did you mean"),
    ],
)
def test_bad_section_9_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error(tmp_path, text)


def test_section_9_secrets_stay_out_of_errors(tmp_path: Path) -> None:
    message = error(tmp_path, 'webhook: {url: http://h, headers: {A: "x\\r\\nsecretvalue"}}\n')
    assert message.startswith("webhook.headers.A: the value may not contain a line break")
    assert "secretvalue" not in message
    message = error(tmp_path, "alertmanager: {urls: ['http://u:pw@am:x']}\n")
    assert "pw" not in message
