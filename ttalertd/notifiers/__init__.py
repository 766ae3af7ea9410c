"""The notify step's destinations: SMS (twilio), webhook, console, Alertmanager."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from ttalertd.notifiers.console import ConsoleNotifier
from ttalertd.notifiers.twilio_sms import TwilioSMS
from ttalertd.notifiers.webhook import Webhook
from ttalertd.notify.message import Message
from ttalertd.notify.notifier import DeliveryError, Notifier

if TYPE_CHECKING:
    from ttalertd.notifiers.twilio_call import TwilioInbox

SMS_MAX_SEGMENTS = 3  # the config's default

__all__ = [
    "ConsoleNotifier",
    "DeliveryError",
    "Notifier",
    "TwilioSMS",
    "Webhook",
    "build_notifiers",
    "build_phone_ways",
    "send_test_message",
    "trial_message",
]


TEST_LINE = "ttalertd test message: alerts from this host will reach you here."


def build_notifiers(config: Any, *, dry_run: bool, stdout: TextIO) -> list[Notifier]:
    """Every configured destination; the console alone for --dry-run or an empty config."""
    twilio = getattr(config, "twilio", None)
    segments = getattr(config, "sms_max_segments", SMS_MAX_SEGMENTS)
    if dry_run:  # once per message: what the phone would get where twilio is configured
        return [ConsoleNotifier(stdout, sms_max_segments=segments if twilio else None,
                                dry_run=True)]
    notifiers: list[Notifier] = []
    if twilio is not None:
        for number in twilio.to:
            notifiers.append(
                TwilioSMS(
                    twilio.account_sid,
                    twilio.auth_token,
                    number,
                    from_=twilio.from_,
                    messaging_service_sid=twilio.messaging_service_sid,
                    api_url=twilio.api_url,
                    max_segments=segments,
                )
            )
    webhook = getattr(config, "webhook", None)
    if webhook is not None:
        notifiers.append(Webhook(webhook.url, tuple(webhook.headers)))
    alertmanager = getattr(config, "alertmanager", None)
    if alertmanager is not None:  # it takes alert states, outside the rate limit
        from ttalertd.notifiers.alertmanager import Alertmanager  # ~3 ms: only if used

        for url in alertmanager.urls:
            notifiers.append(Alertmanager(url, bearer_token=alertmanager.bearer_token))
    if twilio is None and webhook is None and alertmanager is None:
        notifiers.append(ConsoleNotifier(stdout))
    return notifiers



def build_phone_ways(config: Any, *, dry_run: bool, stdout: TextIO
                     ) -> tuple[list[Notifier], TwilioInbox | None,
                                Callable[[str, Message], None] | None]:
    """The phone's ways (interface.md section 11): a caller per `call` number, and where
    `commands` is on the inbox of the Twilio number and a way to text a reply. None of them
    without twilio.from (Twilio lists and calls from a number, not a messaging service)."""
    twilio = getattr(config, "twilio", None)
    if twilio is None or twilio.from_ is None:
        return [], None, None
    from ttalertd.notifiers.twilio_call import DryRunCall, TwilioCall, TwilioInbox
    from ttalertd.notifiers.twilio_sms import TwilioAccount

    account = TwilioAccount.from_config(twilio)
    from_ = twilio.from_
    callers: list[Notifier]
    if dry_run:
        callers = [DryRunCall(number, stdout) for number in twilio.call]
    else:
        callers = [TwilioCall(account, number, from_=from_) for number in twilio.call]
    if not twilio.commands:
        return callers, None, None

    def send(number: str, message: Message) -> None:
        TwilioSMS(account.account_sid, account.auth_token, number, from_=from_,
                  api_url=account.api_url).send(message)

    return callers, TwilioInbox(account, from_), send


def trial_message(host: str) -> Message:
    """What `ttalertd test-sms` sends: the host name and one line."""
    return Message(host=host, text=f"{host}\n{TEST_LINE}", alerts=(), created=time.time())


def send_test_message(config: Any, host: str, stdout: TextIO) -> list[tuple[str, bool, str]]:
    """`ttalertd test-sms`: one test line through every notifier but Alertmanager.

    Returns (key, delivered, detail) per notifier, detail "" when sent, else why not;
    bypasses the outbox and the rate limit."""
    message = trial_message(host)
    results: list[tuple[str, bool, str]] = []
    for notifier in build_notifiers(config, dry_run=False, stdout=stdout):
        if not notifier.rate_limited:  # an Alertmanager-like notifier: never gets the test line
            continue
        try:
            notifier.send(message)
        except DeliveryError as error:  # the caller prints each result: no log line of its own
            results.append((notifier.key, False, error.detail))
        else:
            results.append((notifier.key, True, ""))
    return results
