"""Voice calls and the reply inbox: Twilio operations through `twilio_sms.run_twilio` (a child)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, TextIO

from ttalertd.config.secrets import mask
from ttalertd.notifiers.twilio_sms import DEFAULT_TIMEOUT, TwilioAccount, TwilioError, run_twilio
from ttalertd.notify.message import Message
from ttalertd.notify.speech import spoken, twiml

log = logging.getLogger(__name__)

MAX_LISTED = 500  # messages read per tick at most: the newest, which are the ones that count
PAGE_SIZE = 50  # Twilio's own default


class TwilioCall:
    """One `call` number: each send is one call that says the message's alert lines."""

    rate_limited = False  # calls have their own caps (ttalertd.phone.calls)

    def __init__(self, account: TwilioAccount, to: str, *, from_: str,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.key = f"call:{to}"
        self.to = to
        self.account = account
        self._from = from_
        self._timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"TwilioCall(to={self.to!r})"

    def send(self, message: Message) -> None:
        """`POST Calls.json` with To, From and inline Twiml; raises TwilioError."""
        run_twilio(self.account, "calls.create",
                   {"to": self.to, "from_": self._from,
                    "twiml": twiml(message.host, message.alerts)}, deadline=self._timeout)


class DryRunCall:
    """--dry-run: prints `call +1555...4567: TEXT` instead of calling."""

    rate_limited = False

    def __init__(self, to: str, stdout: TextIO) -> None:
        self.key = f"dry-run-call:{to}"  # never a real call's key: kept calls stay kept
        self.to = to
        self._stdout = stdout

    def send(self, message: Message) -> None:
        try:
            print(f"call {mask(self.to)}: {spoken(message.host, message.alerts)}",
                  file=self._stdout, flush=True)
        except (OSError, ValueError) as error:
            log.warning("console: could not print the call (%s)", error)


@dataclass(slots=True, frozen=True)
class Inbound:
    """One message sent to the Twilio number."""

    sid: str
    from_: str
    body: str
    sent: float | None  # epoch seconds of date_sent; None when Twilio gave none


class TwilioInbox:
    """The messages sent to the Twilio number `number` (the config's `from`)."""

    def __init__(self, account: TwilioAccount, number: str, *,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.account = account
        self.number = number
        self._timeout = timeout

    def list_inbound(self, date: str, *, since: float) -> list[Inbound]:
        """`GET Messages.json?To=NUMBER&DateSent>=DATE` (DATE `YYYY-MM-DD`), every page, newest
        first; those sent before `since` are left out. Raises TwilioError."""
        result = run_twilio(self.account, "messages.list",
                            {"to": self.number, "date_sent_after": date, "limit": MAX_LISTED,
                             "page_size": PAGE_SIZE}, deadline=self._timeout)
        found = result.get("messages")
        if not isinstance(found, list):
            raise TwilioError("twilio messages.list: no message list in the answer",
                              permanent=False)
        out = []
        for item in found:
            inbound = _inbound(item)
            if inbound is not None and (inbound.sent is None or inbound.sent >= since):
                out.append(inbound)
        return out


def _inbound(item: Any) -> Inbound | None:
    if not isinstance(item, dict) or not isinstance(item.get("sid"), str):
        return None
    sent = item.get("date_sent")
    if not (isinstance(sent, int | float) and not isinstance(sent, bool) and math.isfinite(sent)):
        sent = None
    return Inbound(item["sid"], str(item.get("from") or ""), str(item.get("body") or ""),
                   None if sent is None else float(sent))
