"""Twilio: SMS (and any other Twilio operation) through the real twilio library, in a child process.

The daemon never imports twilio. `run_twilio` starts `twilio_child.py` (a fresh `python -I -S`
that loads only the one twilio resource a request needs), hands it the request on stdin, and
kills it when the total deadline passes; the child's memory is gone when it exits.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ttalertd.notify.http import is_transient_status, parse_retry_after
from ttalertd.notify.message import Message
from ttalertd.notify.notifier import DeliveryError, redact
from ttalertd.notify.sms import message_sms

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds: the total deadline of one Twilio operation, start-up included
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "twilio_child.py")
# each child is ~25 MB: the tree never holds two (sends run in threads)
_ONE_CHILD = threading.Lock()


class TwilioError(DeliveryError):
    """A Twilio operation that did not happen (`permanent`: never worth a retry).

    When Twilio answered: `status` (HTTP), `code` (Twilio's error code, 21610; the HTTP status
    when Twilio gave none) and `reason` (Twilio's own message); all three are None when it never
    answered (refused connection, deadline, a broken child). `retry_after`: Twilio's Retry-After
    on a 429/5xx. `detail` is the one-line log text, e.g. "twilio HTTP 400, error 21211: ...".
    """

    def __init__(self, detail: str, *, permanent: bool, retry_after: float | None = None,
                 status: int | None = None, code: int | None = None,
                 reason: str | None = None) -> None:  # fmt: skip
        super().__init__(detail, permanent=permanent, retry_after=retry_after)
        self.status = status
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TwilioAccount:
    """Who talks to Twilio, and where (`api_url`: any Twilio-compatible endpoint; None: Twilio)."""

    account_sid: str
    auth_token: str = field(repr=False)  # never in a repr, a log or an error
    api_url: str | None = None

    @classmethod
    def from_config(cls, twilio: Any) -> TwilioAccount:
        """From the config's `twilio` section (ttalertd.config.records.TwilioConfig)."""
        return cls(twilio.account_sid, twilio.auth_token, twilio.api_url)


def run_twilio(account: TwilioAccount, operation: str, params: dict[str, Any], *,
               deadline: float = DEFAULT_TIMEOUT) -> dict[str, Any]:  # fmt: skip
    """Run ONE Twilio operation in a child process and return its result, or raise TwilioError.

    `params` are the keyword arguments of the twilio library's own method (`from_` for From):
    - "messages.create": to, body, and from_ or messaging_service_sid
      -> {"sid": "SM...", "status": "queued"}
    - "messages.list": to, from_, date_sent_after ("YYYY-MM-DD": Twilio's `DateSent>=`),
      date_sent, date_sent_before, limit, page_size; every page is followed (the library's
      paging) -> {"messages": [{"sid", "from", "to", "body", "direction", "status",
      "date_sent", "date_created"}, ...]} with the dates as epoch seconds (None when absent)
    - "calls.create": to, from_, twiml -> {"sid": "CA...", "status": "queued"}

    `deadline` bounds the whole operation, the child's start-up and every page included: past
    it the child is killed and TwilioError(permanent=False) says "timed out". A stop signal
    that interrupts the wait (the daemon's StopRequested) kills the child too. The auth token
    goes to the child on a pipe, never in argv or the environment, and never into any error.

    At most one Twilio child lives at a time (each costs ~25 MB): a call made while another
    runs (sends run side by side in threads) first waits for it, at most `deadline`, and then
    gets its own full `deadline`.
    """
    if not _ONE_CHILD.acquire(timeout=deadline):
        raise TwilioError(f"twilio {operation}: timed out waiting {deadline:g} s for another "
                          "Twilio operation to end", permanent=False)
    try:
        return _run_child(account, operation, params, deadline)
    finally:
        _ONE_CHILD.release()


def _run_child(account: TwilioAccount, operation: str, params: dict[str, Any],
               deadline: float) -> dict[str, Any]:  # fmt: skip
    import subprocess  # only when Twilio is used: the daemon's start-up stays lean

    request = json.dumps({
        "path": sys.path, "account_sid": account.account_sid, "auth_token": account.auth_token,
        "api_url": account.api_url, "timeout": deadline, "operation": operation,
        "params": params,
    }).encode()  # fmt: skip
    started = time.monotonic()
    # the token travels on stdin only: not even a TWILIO_AUTH_TOKEN of ours goes to the child
    env = {name: value for name, value in os.environ.items() if not name.startswith("TWILIO_")}
    child = subprocess.Popen([sys.executable or "python3", "-I", "-S", CHILD], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    try:
        out, err = child.communicate(request, timeout=max(0.0, deadline - (time.monotonic()
                                                                           - started)))
    except subprocess.TimeoutExpired:
        raise TwilioError(f"twilio {operation}: timed out, no answer within {deadline:g} s "
                          "(the request was abandoned)", permanent=False) from None
    finally:
        if child.returncode is None:  # the deadline, or a stop signal mid-wait
            child.kill()
            child.communicate()
    log.debug("twilio %s: child answered in %.3f s", operation, time.monotonic() - started)
    return _answer(account, operation, out, err, child.returncode)


def _answer(account: TwilioAccount, operation: str, out: bytes, err: bytes,
            returncode: int) -> dict[str, Any]:  # fmt: skip
    """The child's result, or the TwilioError its answer (or its silence) means."""

    def clean(text: str) -> str:
        return redact(text, account.auth_token)

    try:
        answer = json.loads(out.decode(errors="replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = None
    if not isinstance(answer, dict):
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise TwilioError(clean(f"twilio {operation}: the sender exited {returncode} without "
                                f"an answer: {last[0][:300]}"), permanent=False)  # fmt: skip
    result = answer.get("result")
    if isinstance(result, dict):
        return result
    found = answer.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    kind, detail = error.get("kind"), clean(str(error.get("detail", "")))
    if kind == "refused":
        raise _refusal(error, clean)
    if kind == "unreachable":
        raise TwilioError(f"twilio unreachable: {detail}", permanent=False)
    if kind == "bad_url":
        raise TwilioError(f"bad Twilio api_url: {detail}", permanent=True)
    if kind == "bad_request":
        raise TwilioError(f"twilio {operation}: {detail}", permanent=True)
    # a garbled answer or a connection broken mid-way: the operation may be retried safely
    raise TwilioError(f"twilio: {detail or 'no answer'}", permanent=False)


def _refusal(error: dict[str, Any], clean: Any) -> TwilioError:
    """Twilio answered with an error: retry on 429/5xx, give up on any other status."""
    found = error.get("status")
    status = found if isinstance(found, int) else 0
    code = error.get("code") if isinstance(error.get("code"), int) else None
    text = clean(str(error.get("message") or ""))
    reason = clean(str(error.get("reason") or text))
    hint = f" (https://www.twilio.com/docs/errors/{code})" if code and code != status else ""
    detail = f"twilio HTTP {status}, error {code}: {text}{hint}"
    transient = is_transient_status(status)
    retry_after = parse_retry_after(error.get("retry_after")) if transient else None
    return TwilioError(detail, permanent=not transient, retry_after=retry_after, status=status,
                       code=code or status, reason=reason)  # fmt: skip


class TwilioSMS:
    """One `to` number: one message per send, from a number or a messaging service."""

    rate_limited = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        to: str,
        *,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_segments: int = 3,
    ) -> None:
        self.max_segments = max_segments  # SMS_MAX_SEGMENTS: the body is cut to fit
        self.key = f"sms:{to}"
        self.to = to
        self.account = TwilioAccount(account_sid, auth_token, api_url)
        self._from = from_
        self._messaging_service_sid = messaging_service_sid
        self._timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"TwilioSMS(to={self.to!r}, account_sid={self.account.account_sid!r})"

    def send(self, message: Message) -> None:
        """Create one Message resource; every failure is a TwilioError (a DeliveryError)."""
        # GSM-7 within SMS_MAX_SEGMENTS, never UCS-2 (interface.md sections 6 and 11)
        fields: dict[str, str] = {"to": self.to, "body": message_sms(message, self.max_segments)}
        if self._messaging_service_sid:
            fields["messaging_service_sid"] = self._messaging_service_sid
        if self._from:
            fields["from_"] = self._from
        run_twilio(self.account, "messages.create", fields, deadline=self._timeout)
