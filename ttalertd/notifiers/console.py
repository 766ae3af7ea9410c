"""The console notifier: the message on stdout. The default without a config, and --dry-run."""

from __future__ import annotations

import logging
from typing import TextIO

from ttalertd.notify.message import Message

log = logging.getLogger(__name__)


class ConsoleNotifier:
    """Prints each message as it is; never fails."""

    key = "console"
    rate_limited = True  # MAX_SMS_PER_HOUR counts the console too (interface.md section 6)

    def __init__(self, stdout: TextIO) -> None:
        self._stdout = stdout

    def send(self, message: Message) -> None:
        try:
            print(message.text, file=self._stdout, flush=True)
        except (OSError, ValueError) as error:  # a closed or broken stdout must not stop alerting
            log.warning("console: could not print the message (%s): %s", error, message.text)
