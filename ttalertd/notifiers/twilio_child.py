"""One Twilio operation in a short-lived process: a request JSON on stdin, one answer JSON on
stdout.

Started by `twilio_sms.run_twilio` as `python -I -S twilio_child.py`, killed by it at the deadline.
It never imports ttalertd, and of the twilio library only what one request needs: the real Client
and TwilioHttpClient (requests) build, sign and send it, and the real MessageList / CallList build
the resource URL, the form, the paging and the errors. What it leaves out, and why:
- `twilio.rest.api.v2010.account/__init__.py` imports all 30 account resources (~8 MB); the one
  resource package needed is loaded from its own file instead (its submodules import normally);
- `charset_normalizer` (~2.7 MB) only guesses the charset of an answer that names none: Twilio's
  JSON is `application/json`, which requests reads as UTF-8 without it.

Request: {"path": [...], "account_sid", "auth_token", "api_url", "timeout", "operation", "params"}.
Answer: {"result": {...}} or {"error": {"kind": ..., ...}} (see _describe); never the token.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from typing import Any

# operation -> (resource package under twilio/rest/api/v2010/account, its list class, method,
# the keyword arguments of that twilio method a caller may pass)
OPERATIONS: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "messages.create": ("message", "MessageList", "create",
                        frozenset({"to", "from_", "messaging_service_sid", "body"})),
    "messages.list": ("message", "MessageList", "list",
                      frozenset({"to", "from_", "date_sent", "date_sent_after",
                                 "date_sent_before", "limit", "page_size"})),
    "calls.create": ("call", "CallList", "create", frozenset({"to", "from_", "twiml"})),
}  # fmt: skip

API_VERSION = "2010-04-01"
DEFAULT_API_URL = "https://api.twilio.com"


class BadRequest(Exception):
    """The parent asked for something this child does not do: never worth a retry."""


def _load_resource(package: str) -> Any:
    """twilio.rest.api.v2010.account.PACKAGE without running account/__init__ (every resource)."""
    import importlib.util

    import twilio  # type: ignore[import-untyped]

    name = f"twilio.rest.api.v2010.account.{package}"
    if name in sys.modules:
        return sys.modules[name]
    folder = os.path.join(os.path.dirname(twilio.__file__), "rest", "api", "v2010", "account",
                          package)  # fmt: skip
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
    if spec is None or spec.loader is None:
        raise BadRequest(f"twilio has no {name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its own submodules (message.media, ...) find their parent here
    spec.loader.exec_module(module)
    return module


class _Answers:
    """requests response hook: what TwilioRestException drops of the last answer (Retry-After,
    and Twilio's own message, which the exception prefixes with "Unable to create record: ")."""

    def __init__(self) -> None:
        self.retry_after: str | None = None
        self.message: str | None = None

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.retry_after = response.headers.get("Retry-After")
        self.message = None
        if response.status_code >= 400:
            try:
                found = json.loads(response.text).get("message")
            except (ValueError, AttributeError):
                found = None
            self.message = found if isinstance(found, str) else None
        return response


def perform(request: dict[str, Any], answers: _Answers) -> dict[str, Any]:
    """Run the request's operation with the real twilio library; the result as plain JSON."""
    operation = OPERATIONS.get(request.get("operation", ""))
    if operation is None:
        raise BadRequest(f"unknown operation {request.get('operation')!r}")
    package, list_class, method, allowed = operation
    params = request.get("params") or {}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadRequest(f"{request['operation']} takes no {', '.join(unknown)}")
    sys.modules.setdefault("charset_normalizer", None)  # type: ignore[arg-type]  # see above
    sys.modules.setdefault("chardet", None)  # type: ignore[arg-type]
    import warnings

    warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")
    from twilio.base.domain import Domain  # type: ignore[import-untyped]
    from twilio.base.version import Version  # type: ignore[import-untyped]
    from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
    from twilio.rest import Client  # type: ignore[import-untyped]

    http_client = TwilioHttpClient(timeout=float(request["timeout"]),
                                   request_hooks={"response": [answers]})  # fmt: skip
    client = Client(request["account_sid"], request["auth_token"], http_client=http_client)
    # what Client().api.v2010 is, without the Api domain importing all of its resources
    version = Version(Domain(client, (request.get("api_url") or DEFAULT_API_URL).rstrip("/")),
                      API_VERSION)  # fmt: skip
    resources = getattr(_load_resource(package), list_class)(version, request["account_sid"])
    found = getattr(resources, method)(**params)
    if method == "list":
        return {"messages": [_message(item) for item in found]}
    return {"sid": found.sid, "status": found.status}


def _epoch(when: Any) -> float | None:
    return when.timestamp() if when is not None and hasattr(when, "timestamp") else None


def _message(item: Any) -> dict[str, Any]:
    return {"sid": item.sid, "from": item.from_, "to": item.to, "body": item.body,
            "direction": item.direction, "status": item.status,
            "date_sent": _epoch(item.date_sent),
            "date_created": _epoch(item.date_created)}  # fmt: skip


def _describe(error: BaseException, answers: _Answers) -> dict[str, Any]:
    """An error as the parent needs it: Twilio's status, code and message when Twilio answered."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, BadRequest):
        return {"kind": "bad_request", "detail": str(error)}
    try:
        from requests import exceptions as http_errors  # type: ignore[import-untyped]
        from twilio.base.exceptions import TwilioException  # type: ignore[import-untyped]
    except ImportError:  # no twilio to run: say so, as one answer
        return {"kind": "failed", "detail": text}
    # TwilioRestException, and the RFC-9457 TwilioServiceException (title and detail, no msg)
    if isinstance(error, TwilioException) and hasattr(error, "status"):
        message = getattr(error, "msg", None) or " ".join(
            str(part) for part in (getattr(error, "title", ""), getattr(error, "detail", ""))
            if part)  # fmt: skip
        return {"kind": "refused", "status": int(getattr(error, "status", 0) or 0),
                "code": getattr(error, "code", None), "message": str(message),
                "reason": answers.message or str(message),
                "retry_after": answers.retry_after}  # fmt: skip
    if isinstance(error, (http_errors.InvalidURL, http_errors.MissingSchema,
                          http_errors.InvalidSchema)):  # fmt: skip
        return {"kind": "bad_url", "detail": text}
    if isinstance(error, (http_errors.ConnectionError, http_errors.Timeout)):
        return {"kind": "unreachable", "detail": text}
    if isinstance(error, (http_errors.RequestException, TwilioException, ValueError)):
        return {"kind": "garbled", "detail": text}  # a broken answer: the request may be retried
    return {"kind": "failed", "detail": text}


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    # our own deadline too: a child whose parent was killed ends by itself
    signal.alarm(max(1, math.ceil(float(request["timeout"]))) + 1)
    sys.path[:0] = [entry for entry in request.get("path", []) if isinstance(entry, str)]
    answers = _Answers()
    try:
        answer: dict[str, Any] = {"result": perform(request, answers)}
    except Exception as error:  # noqa: BLE001  # every failure becomes one answer line
        answer = {"error": _describe(error, answers)}
    sys.stdout.write(json.dumps(_redacted(answer, request.get("auth_token") or "")) + "\n")
    return 0


def _redacted(value: Any, token: str) -> Any:
    """`value` with the token replaced in every string (the keys and the JSON itself untouched)."""
    if isinstance(value, str):
        return value.replace(token, "***") if token else value
    if isinstance(value, dict):
        return {key: _redacted(item, token) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, token) for item in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
