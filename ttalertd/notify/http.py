"""The one HTTP helper of every notifier (webhook, Alertmanager, the heartbeat): one request with a
TOTAL deadline, no redirects, the error body read short, and failures that say whether a retry
may help (as Alertmanager's notify package decides: by status, never by a vendor's code).

A socket timeout bounds each read, not the exchange: a peer that trickles one byte every 2 s would
hold a tick for minutes. So the exchange runs in a worker thread; at the deadline its socket is
shut down (which ends any blocked read at once) and the send counts as a transient failure.
"""

from __future__ import annotations

import base64
import math
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ttalertd.config.secrets import display_url, redact
from ttalertd.notify.notifier import DEFAULT_DEADLINE, MAX_DEADLINE, DeliveryError

MAX_BODY = 1 << 20  # bytes of an answer read at most; the rest is left unread
ERROR_BODY_CHARS = 300  # enough of a refusal's body to say why
USER_AGENT = "ttalertd"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the far side said: its status, its headers (lower-case names) and the start of its
    body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False  # the body was longer than the caller's max_body


def is_transient_status(status: int) -> bool:
    """429 and 5xx may pass: retry. Any other answer (a 3xx not followed, a 4xx) is final."""
    return status == 429 or status >= 500


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or
    bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime  # rare path: keep start-up lean

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def error_body(answer: Answer, limit: int = ERROR_BODY_CHARS) -> str:
    """The start of a refusal's body on one line, every control character shown as `?`."""
    text = answer.body[: limit * 4].decode("utf-8", "replace").strip()[:limit]
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text or "(empty body)"


def clamp_deadline(seconds: float) -> float:
    """A deadline within (0, MAX_DEADLINE]; a nonsense value gets the default."""
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        return DEFAULT_DEADLINE
    return min(float(seconds), MAX_DEADLINE)


def exchange(url: str, *, method: str = "GET", body: bytes | None = None,
             headers: Mapping[str, str] | None = None, deadline: float = DEFAULT_DEADLINE,
             max_body: int = MAX_BODY, what: str = "", secrets: tuple[str | None, ...] = ()
             ) -> Answer:
    """One request; any status is an Answer. DeliveryError when there is no whole answer within
    `deadline` seconds (transient) or the URL cannot be used (permanent). `what` ("webhook") starts
    every error detail; no detail holds the URL's user info or query, or any of `secrets`."""
    where = f"{what} {display_url(url)}".strip()
    deadline = clamp_deadline(deadline)
    connection, target, sent_headers = _prepare(url, method, body, headers, deadline, where)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            connection.request(method, target, body=body, headers=sent_headers)
            response = connection.getresponse()
            data = response.read(max_body + 1)
            outcome["answer"] = Answer(
                status=response.status,
                headers={k.lower(): v for k, v in response.getheaders()},
                body=data[:max_body], truncated=len(data) > max_body)
        except Exception as error:  # noqa: BLE001 (reported by the caller's thread, below)
            outcome["error"] = error
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="ttalertd-http", daemon=True)
    started = time.monotonic()
    worker.start()
    cut = False
    try:
        worker.join(deadline)
    finally:
        if worker.is_alive():  # the deadline passed, or a stop signal came: end the exchange
            cut = True
            _shut(connection)
    # once cut, whatever the worker makes of the shut socket (a truncated answer) is no answer
    if "answer" in outcome and not cut:
        return outcome["answer"]
    error = None if cut else outcome.get("error")
    if error is None:
        spent = time.monotonic() - started
        raise DeliveryError(f"{where}: no whole answer within the {deadline:g} s deadline "
                            f"(gave up after {spent:.1f} s)", permanent=False)
    raise _failure(error, where, secrets) from None


def raise_for_status(answer: Answer, what: str, *, secrets: tuple[str | None, ...] = ()) -> None:
    """2xx passes; 429 and 5xx are transient (with Retry-After); anything else is refused for
    good."""
    if 200 <= answer.status < 300:
        return
    detail = redact(f"{what}: HTTP {answer.status}: {error_body(answer)}", *secrets)
    if 300 <= answer.status < 400:
        detail += " (redirects are not followed: give the final URL)"
    if is_transient_status(answer.status):
        raise DeliveryError(detail, permanent=False,
                            retry_after=parse_retry_after(answer.headers.get("retry-after")))
    raise DeliveryError(detail, permanent=True)


def post_json(url: str, document: Any, *, headers: Mapping[str, str] | None = None,
              deadline: float = DEFAULT_DEADLINE, what: str = "",
              secrets: tuple[str | None, ...] = ()) -> Answer:
    """POST `document` as JSON and accept only a 2xx; see exchange() and raise_for_status()."""
    import json

    sent = {"Content-Type": "application/json"}
    sent.update(headers or {})
    answer = exchange(url, method="POST", body=json.dumps(document).encode(), headers=sent,
                      deadline=deadline, max_body=ERROR_BODY_CHARS * 4, what=what,
                      secrets=secrets)
    raise_for_status(answer, f"{what} {display_url(url)}".strip(), secrets=secrets)
    return answer


def _prepare(url: str, method: str, body: bytes | None, headers: Mapping[str, str] | None,
             deadline: float, where: str) -> tuple[Any, str, dict[str, str]]:
    """The connection (not yet open), the request target and the headers; permanent when the URL
    or a header cannot be used."""
    import http.client

    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as error:
        raise DeliveryError(f"{where}: bad url: {error}", permanent=True) from None
    if parts.scheme not in ("http", "https") or not host:
        raise DeliveryError(f"{where}: bad url: not an http(s) URL with a host", permanent=True)
    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if parts.username is not None:  # user:password@ in the URL is HTTP basic auth
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        sent["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    sent.update(headers or {})
    for name, value in sent.items():
        if any(c in f"{name}{value}" for c in "\r\n\0"):
            raise DeliveryError(f"{where}: header {name!r} holds a line break", permanent=True)
    if parts.scheme == "https":
        import ssl

        connection: Any = http.client.HTTPSConnection(
            host, port, timeout=deadline, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=deadline)
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if body is not None and method in ("GET", "HEAD"):
        raise DeliveryError(f"{where}: a {method} carries no body", permanent=True)
    return connection, target, sent


def _shut(connection: Any) -> None:
    """Wake the worker from any blocked read or write: shut the raw socket down both ways."""
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the raw fd, also under TLS
    except OSError:
        pass


def _failure(error: Exception, where: str, secrets: tuple[str | None, ...]) -> DeliveryError:
    """A failure without an answer: a bad URL or header is final, the rest (refused, DNS, reset,
    TLS, a garbled answer) may pass."""
    import http.client

    if isinstance(error, http.client.InvalidURL | UnicodeError):
        return DeliveryError(redact(f"{where}: bad url: {error}", *secrets), permanent=True)
    if isinstance(error, TimeoutError | socket.timeout):
        return DeliveryError(f"{where}: no answer within the deadline", permanent=False)
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        return DeliveryError(redact(f"{where} unreachable: {reason}", *secrets), permanent=False)
    if isinstance(error, http.client.HTTPException):
        return DeliveryError(redact(f"{where}: garbled answer: {type(error).__name__}", *secrets),
                             permanent=False)
    if isinstance(error, ValueError):  # a header or method http.client refuses
        return DeliveryError(redact(f"{where}: bad request: {error}", *secrets), permanent=True)
    return DeliveryError(redact(f"{where}: {type(error).__name__}: {error}", *secrets),
                         permanent=False)
