"""Checks for single config values; each failure is a one-line ConfigError naming the key."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from ttalertd.config.records import ConfigError
from ttalertd.config.secrets import display_url

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any

_E164 = re.compile(r"\+\d{8,15}")
_PHONE_CHARS = re.compile(r"[+\d\s().-]*")


def show(value: Any, limit: int = 40) -> str:
    """A short one-line rendering of a value for an error message; never renders it whole."""
    try:
        if isinstance(value, str):
            text = repr(value[: limit + 1])
        elif isinstance(value, list | tuple | dict | set):
            import reprlib  # error paths only: start-up does not pay for it

            shown = reprlib.Repr()  # a few items of a few levels: a huge value stays short
            shown.maxlevel, shown.maxlist, shown.maxdict, shown.maxstring = 2, 4, 4, limit
            text = shown.repr(value)
        else:
            text = str(value)
    except ValueError:  # an int too long to print (Python limits int -> str)
        text = f"a {type(value).__name__}"
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def key_name(name: Any) -> str:
    """A mapping key as a message shows it: bare when plain, else quoted and escaped."""
    if isinstance(name, str) and name.isprintable() and name.strip() == name and name:
        return name
    return show(name)


def type_name(value: Any) -> str:
    """What YAML made of a value, in the user's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def check_mapping(key: str, value: Any, allowed: Iterable[str]) -> dict[str, Any]:
    """`value` as a dict with string keys, each one of `allowed`; a typo names the close match."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a mapping, not {type_name(value)}")
    allowed = tuple(allowed)
    out: dict[str, Any] = {}
    for name, item in value.items():
        where = f"{key}.{key_name(name)}" if key else key_name(name)
        if not isinstance(name, str):
            raise ConfigError(f"{key or 'config'}: key {show(name)} must be a string")
        if name not in allowed:
            raise ConfigError(f"{where}: unknown key{_suggest(name, allowed)}")
        out[name] = item
    return out


def _suggest(name: str, allowed: tuple[str, ...]) -> str:
    by_case = {a.lower(): a for a in allowed}
    import difflib  # only for a misspelt key: ~1 ms of every start otherwise

    close = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=0.75)
    if close:
        return f" (did you mean {by_case[close[0]]}?)"
    return f" (known keys: {', '.join(allowed)})"


def number(
    key: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """A finite int or float within [low, high] ((low, high] with low_open)."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: must be a number, not a boolean ({show(value)})")
    if isinstance(value, str):
        raise ConfigError(f"{key}: {show(value)} must be a number, not a quoted string")
    if not isinstance(value, int | float):
        raise ConfigError(f"{key}: must be a number, not {type_name(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise ConfigError(f"{key}: {show(value)} is out of range") from None
    if not math.isfinite(result):
        raise ConfigError(f"{key}: must be a finite number, not {show(value)}")
    if low is not None and (result <= low if low_open else result < low):
        bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
        raise ConfigError(f"{key}: {show(value)} must be {bound}")
    if high is not None and result > high:
        raise ConfigError(f"{key}: {show(value)} must be at most {high:g}")
    return result


def whole_number(key: str, value: Any, *, low: int) -> int:
    """An int >= low; an integral float such as 8.0 is taken as 8."""
    result = number(key, value)
    if not result.is_integer():
        raise ConfigError(f"{key}: {show(value)} must be a whole number")
    if result < low:
        raise ConfigError(f"{key}: {show(value)} must be at least {low}")
    return int(result)


def percent_or_null(key: str, value: Any) -> float | None:
    """A percentage 0..100, or null to turn the rule off."""
    if value is None:
        return None
    return number(key, value, low=0.0, high=100.0)


def boolean(key: str, value: Any) -> bool:
    """A YAML boolean (true/false, yes/no); a quoted "true" is a string and refused."""
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: {show(value)} must be true or false, not {type_name(value)}")
    return value


def text(key: str, value: Any, *, secret: bool = False) -> str:
    """A non-empty string; a secret is never echoed back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = "it" if secret else show(value)
        raise ConfigError(f"{key}: must be a quoted string (YAML read {shown} as a number)")
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, not {type_name(value)}")
    if not value.strip():
        raise ConfigError(f"{key}: must not be empty")
    return value


def phone(key: str, value: Any) -> str:
    """An E.164 phone number: a quoted string, + then 8 to 15 digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = show(value)
        # YAML dropped the leading + of +15551234567: put it back so the user sees their text
        shown = f"+{digits}" if isinstance(value, int) and digits.isdigit() else digits
        raise ConfigError(
            f"{key}: {shown} must be a quoted E.164 string (YAML read it as a number)"
        )
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a quoted E.164 string, not {type_name(value)}")
    if not _E164.fullmatch(value):
        # echo only what looks like a phone number: a misplaced token must not be printed
        shown = show(value) if _PHONE_CHARS.fullmatch(value) else "the value"
        raise ConfigError(
            f"{key}: {shown} is not an E.164 number (+ then 8 to 15 digits, no spaces)"
        )
    return value


def http_url(key: str, value: Any) -> str:
    """An http:// or https:// URL with a host; a trailing slash is dropped."""
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be an http(s) URL string, not {type_name(value)}")
    url = value.strip()
    shown = show(display_url(url))  # no user info or query: either may be the secret
    from urllib.parse import urlsplit  # only with a URL in the config: ~2 ms of every start

    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"{key}: {shown} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{key}: {shown} must be an http:// or https:// URL with a host")
    if any(c.isspace() for c in url):
        raise ConfigError(f"{key}: {shown} must not contain spaces")
    return url.rstrip("/")


def string_pairs(
    key: str, value: Any, *, secret_values: bool = False
) -> tuple[tuple[str, str], ...]:
    """A mapping of strings to strings (null: empty), as ordered pairs."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a mapping of names to strings, not {type_name(value)}")
    pairs = []
    for name, item in value.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{key}: name {show(name)} must be a non-empty string")
        where = f"{key}.{key_name(name)}"
        if secret_values:
            if not isinstance(item, str):
                raise ConfigError(f"{where}: must be a quoted string, not {type_name(item)}")
        elif not isinstance(item, str):
            raise ConfigError(f"{where}: {show(item)} must be a quoted string")
        pairs.append((name, item))
    return tuple(pairs)
