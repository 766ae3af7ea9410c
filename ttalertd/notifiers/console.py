"""The console notifier: the message on stdout. The default without a config, and --dry-run."""

from __future__ import annotations

import logging
from typing import TextIO

from ttalertd.notify.message import Message
from ttalertd.notify.sms import message_sms

log = logging.getLogger(__name__)


class ConsoleNotifier:
    """Prints each message; never fails. With `sms_max_segments` (--dry-run where twilio is
    configured) it prints the SMS rendering, what the phone would get; else the message text."""

    key = "console"
    rate_limited = True  # MAX_SMS_PER_HOUR counts the console too (interface.md section 6)

    def __init__(self, stdout: TextIO, sms_max_segments: int | None = None,
                 *, dry_run: bool = False) -> None:
        self._stdout = stdout
        self.sms_max_segments = sms_max_segments
        # the message is on stdout already: the delivery log line only says that one went there
        # (one log line per event); --dry-run logs it whole all the same (interface.md section 1)
        self.shows_message = not dry_run

    def rendering(self, message: Message) -> str:
        if self.sms_max_segments is None:
            return message.text
        return message_sms(message, self.sms_max_segments)

    def send(self, message: Message) -> None:
        text = self.rendering(message)
        try:
            print(text, file=self._stdout, flush=True)
        except (OSError, ValueError) as error:  # a closed or broken stdout must not stop alerting
            log.warning("console: could not print the message (%s): %s", error, text)
