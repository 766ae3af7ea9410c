"""The `defaults` section: thresholds, intervals and the alert-quality keys (interface.md 2, 8)."""

from __future__ import annotations

import re

from ttalertd.config.linear_regex import LinearPattern, UnsupportedPattern
from ttalertd.config.records import ConfigError, QuietHours, TrustedLogin
from ttalertd.config.values import (
    boolean,
    check_mapping,
    number,
    percent_or_null,
    show,
    type_name,
    whole_number,
)

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any

_QUIET_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_USER_NAME = re.compile(r"[^\s@:]+")


def _exclude_processes(key: str, value: Any) -> tuple[LinearPattern, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ConfigError(f"{key}: must be a list of regular expressions, not {type_name(value)}")
    patterns = []
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{key}: entry {show(item)} must be a quoted string")
        if not item:
            raise ConfigError(f"{key}: an empty pattern would exclude every process")
        try:
            patterns.append(LinearPattern(item))
        except UnsupportedPattern as error:  # matching must stay linear in the text's length
            raise ConfigError(f"{key}: {show(item)} uses {error}, which EXCLUDE_PROCESSES does "
                              "not support (matching must stay linear in time)") from None
        except (re.error, OverflowError, RecursionError, ValueError) as error:
            why = str(error).replace("\n", " ")
            raise ConfigError(
                f"{key}: {show(item)} is not a valid regular expression: {why}"
            ) from None
    return tuple(patterns)


def parse_trusted_login(key: str, item: Any) -> TrustedLogin:
    """One TRUSTED_LOGINS entry: `user`, `@CIDR` or `user@CIDR`."""
    if not isinstance(item, str):
        raise ConfigError(f"{key}: entry {show(item)} must be a string (user, @CIDR or user@CIDR)")
    user, at, cidr = item.strip().rpartition("@") if "@" in item else (item.strip(), "", "")
    if user and not _USER_NAME.fullmatch(user):
        raise ConfigError(f"{key}: {show(item)}: {show(user)} is not a user name")
    if not at:
        if not user:
            raise ConfigError(f"{key}: an empty entry trusts nobody; remove it")
        return TrustedLogin(user=user, network=None)
    import ipaddress  # only for a CIDR entry: ~1 ms of every start otherwise

    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise ConfigError(
            f"{key}: {show(item)}: {show(cidr)} is not an IPv4 or IPv6 address or network"
        ) from None
    return TrustedLogin(user=user or None, network=network)


def _trusted_logins(key: str, value: Any) -> tuple[TrustedLogin, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ConfigError(
            f"{key}: must be a list of user, @CIDR or user@CIDR, not {type_name(value)}"
        )
    return tuple(parse_trusted_login(key, item) for item in value)


def parse_quiet_hours(key: str, value: Any) -> QuietHours | None:
    """ "HH:MM-HH:MM" in local time (may wrap midnight), or null."""
    if value is None:
        return None
    if not isinstance(value, str):
        # YAML reads an unquoted 23:00 as the base-60 number 1380
        raise ConfigError(f'{key}: must be a quoted "HH:MM-HH:MM" string, not {type_name(value)}')
    match = _QUIET_HOURS.fullmatch(value)
    if match is None:
        raise ConfigError(f'{key}: {show(value)} must look like "23:00-07:00"')
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        raise ConfigError(f"{key}: {show(value)} is not a time of day (00:00 to 23:59)")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end:
        raise ConfigError(f"{key}: {show(value)} starts and ends at the same minute")
    return QuietHours(start_minute=start, end_minute=end)


def _bounded_whole(key: str, value: Any, low: int, high: int) -> int:
    result = whole_number(key, value, low=low)
    if result > high:
        raise ConfigError(f"{key}: {show(value)} must be at most {high}")
    return result


# key -> (Config field, check); the check gets the qualified key for its message
_CHECKS: dict[str, tuple[str, Any]] = {
    "LOAD_AVG_MAX": ("load_avg_max", lambda k, v: number(k, v, low=0.0)),
    "CPU_LIMIT": ("cpu_limit", lambda k, v: number(k, v, low=0.0)),
    # 1 s to 1 day: a tick per 5e-324 s or per 300 years is a typo, and kills the daemon's clock
    "ALERT_INTERVAL": ("alert_interval", lambda k, v: number(k, v, low=1.0, high=86400.0)),
    "RESET_INTERVAL": ("reset_interval", lambda k, v: number(k, v, low=0.0, low_open=True)),
    "TOP_N": ("top_n", lambda k, v: whole_number(k, v, low=1)),
    "MAX_SMS_PER_HOUR": ("max_sms_per_hour", lambda k, v: whole_number(k, v, low=1)),
    "FOR_TICKS": ("for_ticks", lambda k, v: whole_number(k, v, low=1)),
    "RECOVER_RATIO": (
        "recover_ratio",
        lambda k, v: number(k, v, low=0.0, high=1.0, low_open=True),
    ),
    "NOTIFY_RECOVERY": ("notify_recovery", boolean),
    "MEM_AVAILABLE_MIN": ("mem_available_min", percent_or_null),
    "SWAP_USED_MAX": ("swap_used_max", percent_or_null),
    "DISK_FREE_MIN": ("disk_free_min", percent_or_null),
    "EXCLUDE_PROCESSES": ("exclude_processes", _exclude_processes),
    "TRUSTED_LOGINS": ("trusted_logins", _trusted_logins),
    "QUIET_HOURS": ("quiet_hours", parse_quiet_hours),
    "LOAD_ESCALATE_RATIO": ("load_escalate_ratio", lambda k, v: number(k, v, low=1.0)),
    "SMS_MAX_SEGMENTS": ("sms_max_segments", lambda k, v: _bounded_whole(k, v, 1, 10)),
    "CALL_AFTER": ("call_after", lambda k, v: number(k, v, low=0.0, high=7 * 24 * 60.0)),
    "PEER_SILENT_TICKS": ("peer_silent_ticks", lambda k, v: whole_number(k, v, low=2)),
    "PEER_STOP_GRACE_MINUTES": (
        "peer_stop_grace_minutes", lambda k, v: number(k, v, low=0.0, high=7 * 24 * 60.0)),
    "PEER_FORGET_HOURS": (
        "peer_forget_hours", lambda k, v: number(k, v, low=0.0, high=365 * 24.0, low_open=True)),
}

DEFAULTS_KEYS = tuple(_CHECKS)


def parse_defaults(value: Any) -> dict[str, Any]:
    """The `defaults` section as Config keyword arguments; null or absent: {}."""
    if value is None:
        return {}
    section = check_mapping("defaults", value, DEFAULTS_KEYS)
    fields: dict[str, Any] = {}
    for name, item in section.items():
        field_name, check = _CHECKS[name]
        fields[field_name] = check(f"defaults.{name}", item)
    return fields
