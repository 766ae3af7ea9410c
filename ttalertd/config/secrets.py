"""The one place that knows which config values are secret, and the one redactor.

Secret: the Twilio auth token, Alertmanager's bearer token, every webhook header value, the user
info, query and fragment of every URL (ntfy takes `?auth=`), and the path of a heartbeat URL
(healthchecks.io's check id is its path). Every output and log line is cleaned with `redact`;
URLs are shown with `display_url`. Works on the parsed YAML document (for config errors, before
validation) and on a validated Config alike.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~3 ms of every start; the names are for annotations only
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from typing import Any

# paths into the config ("*": every item of a list or every value of a mapping; an int: a list
# entry, the list form of twilio)
TOKEN_FIELDS: tuple[tuple[Any, ...], ...] = (
    ("twilio", "auth_token"), ("twilio", 1), ("alertmanager", "bearer_token"),
    ("webhook", "headers", "*"),
)
URL_FIELDS: tuple[tuple[Any, ...], ...] = (  # user info, query and fragment are secret
    ("twilio", "api_url"), ("alertmanager", "urls", "*"), ("webhook", "url"),
)
PATH_SECRET_URL_FIELDS: tuple[tuple[Any, ...], ...] = (  # the path too
    ("heartbeat", "url"), ("heartbeat", "fail_url"),
)
ENV_TOKENS = ("TWILIO_AUTH_TOKEN",)
ENV_URLS = ("TWILIO_API_URL",)
MIN_SECRET = 4  # a shorter "secret" would blank out ordinary words; real tokens are longer


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every secret replaced by ***, longest first (one may contain another)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def mask(number: str) -> str:
    """`+15551234567` -> `+1555...4567`: a phone number as logs and messages may show it."""
    if len(number) <= 9:
        return number[:2] + "..." + number[-2:] if len(number) > 4 else "..."
    return f"{number[:5]}...{number[-4:]}"


def config_secrets(source: Any, env: Mapping[str, str] | None = None) -> list[str]:
    """Every secret string of a Config or a parsed YAML document (and of `env`), longest first."""
    found: list[str] = []
    for path in TOKEN_FIELDS:
        for value in _values(source, path):
            found += token_parts(value)
    for path in URL_FIELDS:
        for value in _values(source, path):
            found += url_secrets(value)
    for path in PATH_SECRET_URL_FIELDS:
        for value in _values(source, path):
            found += url_secrets(value, path_secret=True)
    for name in ENV_TOKENS:
        found += token_parts((env or {}).get(name))
    for name in ENV_URLS:
        found += url_secrets((env or {}).get(name))
    unique = {s for s in found if len(s.strip()) >= MIN_SECRET}
    return sorted(unique, key=len, reverse=True)


def token_parts(value: Any) -> list[str]:
    """A token, and its credentials alone ("Bearer abc" -> "abc"), as an echo may show either."""
    if not isinstance(value, str):
        return []
    words = value.split()
    return [value] + ([words[-1]] if len(words) > 1 else [])


def url_secrets(url: Any, *, path_secret: bool = False) -> list[str]:
    """The secret parts of a URL: user info, password, query, fragment; with path_secret its
    path."""
    if not isinstance(url, str):
        return []
    from urllib.parse import urlsplit  # only where a config has URLs

    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return [url]  # unparsable: all of it
    found = [parts.query, parts.fragment, password or ""]
    if "@" in parts.netloc:
        found.append(parts.netloc.rsplit("@", 1)[0])
    if path_secret and parts.path.strip("/"):
        found += [parts.path, parts.path.strip("/")]
    return [s for s in found if s]


def display_url(url: str, *, path_secret: bool = False) -> str:
    """`url` fit for any output: no user info, query or fragment; with path_secret no path
    (scheme://host[:port] alone, as the heartbeat shows its switch)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "(unparsable url)"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = "" if path_secret else parts.path
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _values(source: Any, path: tuple[Any, ...]) -> Iterator[Any]:
    """The values at `path` in a mapping/list document or in records with those attributes."""
    if not path:
        yield source
        return
    head, rest = path[0], path[1:]
    for child in _children(source, head):
        yield from _values(child, rest)


def _children(source: Any, key: Any) -> Iterable[Any]:
    if source is None or isinstance(source, str | bytes):
        return ()
    if key == "*":
        if hasattr(source, "values") and callable(source.values):
            return list(source.values())
        if isinstance(source, list | tuple):  # a list, or a record's (name, value) pairs
            return [item[1] if isinstance(item, tuple) and len(item) == 2 else item
                    for item in source]
        return ()
    if isinstance(key, int):
        return [source[key]] if isinstance(source, list) and len(source) > key else ()
    if hasattr(source, "get") and callable(source.get):
        return (source.get(key),) if isinstance(key, str) else ()
    return (getattr(source, key, None),)
