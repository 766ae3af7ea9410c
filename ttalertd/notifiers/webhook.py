"""One JSON POST per message, stdlib urllib only, imported at the first send (lean start-up)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ttalertd.notifiers.base import DeliveryError, is_transient_status, parse_retry_after
from ttalertd.notify.message import Message

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
ERROR_BODY_CHARS = 300  # enough of a refusal's body to say why
_opener: Any = None  # built at the first send


def _no_redirect_opener() -> Any:
    """urllib's opener minus redirects: a redirected POST would become a GET without a body."""
    global _opener
    if _opener is None:
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):
                return None  # the 3xx then surfaces as an HTTPError: refused for good

        _opener = urllib.request.build_opener(NoRedirect)
    return _opener


def webhook_body(message: Message) -> dict:
    """The JSON the webhook receives: host, the whole text, and each alert's kind and line."""
    return {
        "host": message.host,
        "text": message.text,
        "alerts": [{"kind": alert.kind, "text": alert.text} for alert in message.alerts],
    }


def display_url(url: str) -> str:
    """`url` without user:password and query (ntfy takes ?auth=), fit for logs and outbox keys."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable url)"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))


class Webhook:
    """POSTs {"host", "text", "alerts"} to `url` with the configured headers."""

    rate_limited = True

    def __init__(
        self, url: str, headers: tuple[tuple[str, str], ...] = (), *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.url = url
        self.key = f"webhook:{display_url(url)}"
        self._headers = dict(headers)
        self._timeout = timeout

    def __repr__(self) -> str:  # headers may hold a bearer token
        return f"Webhook({display_url(self.url)!r})"

    def send(self, message: Message) -> None:
        """POST once; 2xx is success, 429/5xx/unreachable retry, any other answer is final."""
        import urllib.error
        import urllib.request

        headers = {"Content-Type": "application/json", "User-Agent": "ttalertd"}
        headers.update(self._headers)
        data = json.dumps(webhook_body(message)).encode()
        where = display_url(self.url)
        try:
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            with _no_redirect_opener().open(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            body = _error_body(error)
            detail = f"webhook {where}: HTTP {error.code}: {body}"
            if is_transient_status(error.code):
                retry_after = parse_retry_after(error.headers.get("Retry-After"))
                raise DeliveryError(detail, permanent=False, retry_after=retry_after) from None
            raise DeliveryError(detail, permanent=True) from None
        except (urllib.error.URLError, OSError) as error:  # refused, DNS, timeout, reset
            reason = getattr(error, "reason", error)
            detail = f"webhook {where} unreachable: {reason}"
            raise DeliveryError(detail, permanent=False) from None
        except ValueError as error:  # not a URL urllib can use
            raise DeliveryError(f"webhook {where}: bad url: {error}", permanent=True) from None


def _error_body(error: Any) -> str:
    """The start of a refusal's body, on one line."""
    try:
        raw = error.read(ERROR_BODY_CHARS)
    except OSError:
        return "(no body)"
    text = raw.decode("utf-8", "replace").strip().replace("\n", " ")
    return text or "(empty body)"
