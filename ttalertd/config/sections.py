"""The notifier sections: twilio (list or mapping form), alertmanager and webhook."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from ttalertd.config.records import (
    AlertmanagerConfig,
    ConfigError,
    HeartbeatConfig,
    TwilioConfig,
    WebhookConfig,
)
from ttalertd.config.secrets import display_url
from ttalertd.config.values import (
    boolean,
    check_mapping,
    http_url,
    phone,
    show,
    string_pairs,
    text,
    type_name,
)

log = logging.getLogger("ttalertd.config")

ENV_ACCOUNT_SID = "TWILIO_ACCOUNT_SID"
ENV_AUTH_TOKEN = "TWILIO_AUTH_TOKEN"
ENV_API_URL = "TWILIO_API_URL"
ENV_TWILIO = (ENV_ACCOUNT_SID, ENV_AUTH_TOKEN, ENV_API_URL)

_LIST_FORM = (
    "a list of 4 quoted strings: account SID, auth token, your mobile number (To), "
    "your Twilio number (From)"
)

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any
_TWILIO_KEYS = ("account_sid", "auth_token", "to", "from", "messaging_service_sid", "api_url",
                "commands", "call")
_RESERVED_LABELS = ("alertname", "instance", "severity")
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token


def env_value(env: Mapping[str, str], name: str) -> str | None:
    """An environment variable; unset and empty are the same (an empty token is no token)."""
    value = env.get(name)
    return value if value else None


def parse_twilio(value: Any, env: Mapping[str, str]) -> TwilioConfig | None:
    """The twilio section in either form, with TWILIO_* from `env` taking precedence."""
    if value is None:
        present = [name for name in ENV_TWILIO if env_value(env, name)]
        if present:
            log.warning(
                "%s set in the environment but the config has no twilio section to say the "
                "numbers: the console notifier applies",
                ", ".join(present),
            )
        return None
    if isinstance(value, list | tuple):
        return _twilio_from_list(value, env)
    if isinstance(value, Mapping):
        return _twilio_from_mapping(value, env)
    raise ConfigError(f"twilio: must be {_LIST_FORM}, or a mapping; not {type_name(value)}")


def _twilio_from_list(entries: list[Any] | tuple[Any, ...], env: Mapping[str, str]) -> TwilioConfig:
    if len(entries) != 4:
        raise ConfigError(f"twilio: must be {_LIST_FORM}; it has {len(entries)}")
    sid_env, token_env = env_value(env, ENV_ACCOUNT_SID), env_value(env, ENV_AUTH_TOKEN)
    account_sid = _sid(ENV_ACCOUNT_SID, sid_env, "AC") if sid_env else _sid(
        "twilio entry 1 (account SID)", entries[0], "AC")
    auth_token = token_env or text("twilio entry 2 (auth token)", entries[1], secret=True)
    to = phone("twilio entry 3 (your mobile number, To)", entries[2])
    from_ = phone("twilio entry 4 (your Twilio number, From)", entries[3])
    return TwilioConfig(
        account_sid=account_sid,
        auth_token=auth_token,
        to=(to,),
        from_=from_,
        messaging_service_sid=None,
        api_url=_api_url(None, env),
    )


def _twilio_from_mapping(value: Mapping[Any, Any], env: Mapping[str, str]) -> TwilioConfig:
    section = check_mapping("twilio", value, _TWILIO_KEYS)
    account_sid = env_value(env, ENV_ACCOUNT_SID)
    if account_sid is not None:
        account_sid = _sid(ENV_ACCOUNT_SID, account_sid, "AC")
    else:
        if section.get("account_sid") is None:
            raise ConfigError(f"twilio.account_sid: missing (or set {ENV_ACCOUNT_SID})")
        account_sid = _sid("twilio.account_sid", section["account_sid"], "AC")
    auth_token = env_value(env, ENV_AUTH_TOKEN)
    if auth_token is None:
        if section.get("auth_token") is None:
            raise ConfigError(f"twilio.auth_token: missing (or set {ENV_AUTH_TOKEN})")
        auth_token = text("twilio.auth_token", section["auth_token"], secret=True)
    to = _numbers(section.get("to"))
    from_raw, service_raw = section.get("from"), section.get("messaging_service_sid")
    if from_raw is None and service_raw is None:
        raise ConfigError("twilio.from: missing (give from, or messaging_service_sid)")
    if from_raw is not None and service_raw is not None:
        raise ConfigError("twilio.from: give from or messaging_service_sid, not both")
    from_ = phone("twilio.from", from_raw) if from_raw is not None else None
    service = (None if service_raw is None
               else _sid("twilio.messaging_service_sid", service_raw, "MG"))
    commands = boolean("twilio.commands", section["commands"]) if "commands" in section else False
    if commands and from_ is None:
        raise ConfigError("twilio.commands: needs twilio.from (replies to a messaging service "
                          "cannot be read by number)")
    call = _call_numbers(section.get("call"))
    if call and from_ is None:
        raise ConfigError("twilio.call: needs twilio.from (a messaging service cannot call)")
    return TwilioConfig(
        account_sid=account_sid,
        auth_token=auth_token,
        to=to,
        from_=from_,
        messaging_service_sid=service,
        api_url=_api_url(section.get("api_url"), env),
        commands=commands,
        call=call,
    )


def _sid(key: str, value: Any, prefix: str) -> str:
    """A Twilio SID: two letters then 32 hex digits, as Twilio's API accepts (no placeholders)."""
    sid = text(key, value)
    if not _SID.fullmatch(sid) or not sid.startswith(prefix):
        # never echoed: a misplaced auth token would be printed
        raise ConfigError(f"{key}: must be {prefix} followed by 32 hex digits, as the Twilio "
                          "console shows it")
    return sid


def _call_numbers(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        return (phone("twilio.call", value),)
    return _distinct("twilio.call", value, phone)


def _numbers(value: Any) -> tuple[str, ...]:
    if value is None:
        raise ConfigError("twilio.to: missing (your mobile number, or a list of them)")
    if not isinstance(value, list | tuple):
        return (phone("twilio.to", value),)
    if not value:
        raise ConfigError("twilio.to: the list is empty; give at least one number")
    return _distinct("twilio.to", value, phone)


def _api_url(value: Any, env: Mapping[str, str]) -> str | None:
    from_env = env_value(env, ENV_API_URL)
    if from_env is not None:
        return http_url(ENV_API_URL, from_env)
    return None if value is None else http_url("twilio.api_url", value)


def parse_alertmanager(value: Any) -> AlertmanagerConfig | None:
    """The alertmanager section: urls (at least one), labels, bearer_token."""
    if value is None:
        return None
    section = check_mapping("alertmanager", value,
                            ("urls", "labels", "bearer_token", "watch_peers"))
    raw_urls = section.get("urls")
    if raw_urls is None:
        raise ConfigError("alertmanager.urls: missing (a list of http(s) URLs)")
    if isinstance(raw_urls, str):
        raw_urls = [raw_urls]  # one URL needs no list
    if not isinstance(raw_urls, list | tuple) or not raw_urls:
        raise ConfigError("alertmanager.urls: must be a list of at least one http(s) URL")
    urls = _distinct("alertmanager.urls", raw_urls, http_url,
                     shown=lambda url: show(display_url(url)))
    labels = string_pairs("alertmanager.labels", section.get("labels"))
    for name, _ in labels:
        if name in _RESERVED_LABELS:
            raise ConfigError(
                f"alertmanager.labels.{name}: may not be set: ttalertd sets alertname, "
                "instance and severity itself"
            )
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
            raise ConfigError(
                f"alertmanager.labels: {show(name)} is not a Prometheus label name "
                "(letters, digits, _; not starting with a digit or __)"
            )
    token = section.get("bearer_token")
    bearer = None if token is None else text("alertmanager.bearer_token", token, secret=True)
    watch = section.get("watch_peers")
    watch_peers = False if watch is None else boolean("alertmanager.watch_peers", watch)
    return AlertmanagerConfig(urls=urls, labels=labels, bearer_token=bearer,
                              watch_peers=watch_peers)


def parse_heartbeat(value: Any) -> HeartbeatConfig | None:
    """The heartbeat section: url, fail_url (a dead man's switch, interface.md section 10)."""
    if value is None:
        return None
    section = check_mapping("heartbeat", value, ("url", "fail_url"))
    if section.get("url") is None:
        raise ConfigError("heartbeat.url: missing (the http(s) URL a dead man's switch pings)")
    url = _switch_url("heartbeat.url", section["url"])
    fail = section.get("fail_url")
    return HeartbeatConfig(url=url, fail_url=None if fail is None else
                           _switch_url("heartbeat.fail_url", fail))


def _switch_url(key: str, value: Any) -> str:
    """http_url, whose error never shows the URL's path or query: a switch's secret is there."""
    try:
        return http_url(key, value)
    except ConfigError:
        raise ConfigError(f"{key}: must be an http:// or https:// URL with a host, without "
                          "spaces (not shown: its path may be a secret)") from None


def parse_host(value: Any) -> str | None:
    """`host`: the name on every message; one line of text, at most 64 characters."""
    if value is None:
        return None
    name = text("host", value)
    if len(name) > 64:
        raise ConfigError(f"host: {show(name)} is longer than 64 characters")
    if not name.isprintable() or name != name.strip():
        raise ConfigError(f"host: {show(name)} must be one line of printable text")
    return name


def parse_webhook(value: Any) -> WebhookConfig | None:
    """The webhook section: url, headers."""
    if value is None:
        return None
    section = check_mapping("webhook", value, ("url", "headers"))
    if section.get("url") is None:
        raise ConfigError("webhook.url: missing (an http(s) URL)")
    url = http_url("webhook.url", section["url"])
    headers = string_pairs("webhook.headers", section.get("headers"), secret_values=True)
    for name, header_value in headers:
        if not _HEADER_NAME.fullmatch(name):
            raise ConfigError(f"webhook.headers: {show(name)} is not a valid header name")
        if "\n" in header_value or "\r" in header_value:
            raise ConfigError(f"webhook.headers.{name}: the value may not contain a line break")
    return WebhookConfig(url=url, headers=headers)


def _distinct(key: str, items: Any, parse: Callable[[str, Any], str],
              shown: Callable[[str], str] = str) -> tuple[str, ...]:
    """Each item parsed; one listed twice is an error (it would get every alert twice)."""
    values: list[str] = []
    for item in items:
        value = parse(key, item)
        if value in values:
            raise ConfigError(f"{key}: {shown(value)} is listed twice")
        values.append(value)
    return tuple(values)
