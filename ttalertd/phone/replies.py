"""Replies to the Twilio number (interface.md section 11): read the new ones, act on the owners'.

Each tick lists the messages sent to `twilio.from` since the UTC date of an hour ago; a message
counts once (its SID is remembered 48 h), only from a `twilio.to` number, never when it is older
than an hour or older than the first tick that read replies. At most 10 replies an hour.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol, TextIO

from ttalertd.config.secrets import mask
from ttalertd.notify.message import Message
from ttalertd.notify.notifier import DeliveryError
from ttalertd.phone.commands import Situation, act, parse
from ttalertd.phone.sms_text import gsm7
from ttalertd.state.phone import HOUR, PhoneMemory

log = logging.getLogger(__name__)

MAX_REPLIES_PER_HOUR = 10
MAX_AGE = HOUR  # an older message is never acted on: the owner has moved on


class InboundMessage(Protocol):
    """One message sent to the Twilio number (read-only)."""

    @property
    def sid(self) -> str: ...
    @property
    def from_(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def sent(self) -> float | None: ...


class Inbox(Protocol):
    def list_inbound(self, date: str, *, since: float) -> Iterable[InboundMessage]: ...


Send = Callable[[str, Message], None]  # (number, reply) -> sent, or raises DeliveryError


class Replies:
    """Reads the inbox each tick and answers; `--dry-run` prints the answers and acts on nothing."""

    def __init__(self, inbox: Inbox, owners: Iterable[str], send: Send, *, dry_run: bool,
                 stdout: TextIO) -> None:
        self.inbox = inbox
        self.owners = frozenset(owners)
        self.send = send
        self.dry_run = dry_run
        self.stdout = stdout
        self._dry_seen: set[str] = set()  # a dry run remembers nothing, but answers once

    def poll(self, memory: PhoneMemory, situation: Situation, *, started: float) -> int:
        """Act on the new messages, oldest first; returns how many were acted on."""
        now = situation.now
        if memory.first_read is None:
            memory.first_read = min(started, now)
        date = time.strftime("%Y-%m-%d", time.gmtime(now - HOUR))
        try:
            found = list(self.inbox.list_inbound(date, since=now - MAX_AGE))
        except DeliveryError as error:
            log.warning("replies not read this tick: %s", error.detail)
            return 0
        acted = 0
        # date_sent has whole seconds; Twilio lists newest first, so within a second the
        # list's reversed order is the sending order (a stable sort keeps it)
        found.reverse()
        for message in sorted(found, key=lambda m: m.sent or 0.0):
            if message.sid in memory.seen or message.sid in self._dry_seen:
                continue
            if self.dry_run:
                self._dry_seen.add(message.sid)
            else:
                memory.seen[message.sid] = now
            acted += self._one(message, memory, situation)
        return acted

    def _one(self, message: InboundMessage, memory: PhoneMemory, situation: Situation) -> int:
        who = mask(message.from_)
        if message.from_ not in self.owners:
            log.warning("reply from %s ignored: not a twilio.to number", who)
            return 0
        first = memory.first_read or situation.now
        if message.sent is None or message.sent < first or situation.now - message.sent > MAX_AGE:
            log.info("reply %s from %s not acted on: sent before the last hour or before "
                     "commands were first read", message.sid, who)
            return 0
        command = parse(message.body, situation.host)
        body = gsm7(message.body)[:60]
        if command is None:
            log.info("reply from %s is not for this host or is Twilio's keyword: %s", who, body)
            return 0
        target = copy.deepcopy(memory) if self.dry_run else memory
        answer = act(command, target, situation)
        log.info("command from %s: %s -> %s", who, body, answer)
        self._answer(message.from_, answer, memory, situation)
        return 1

    def _answer(self, number: str, answer: str, memory: PhoneMemory, situation: Situation) -> None:
        if self.dry_run:
            print(f"reply {mask(number)}: {answer}", file=self.stdout, flush=True)
            return
        now = situation.now
        memory.replies = [t for t in memory.replies if now - HOUR < t <= now + HOUR]
        if len(memory.replies) >= MAX_REPLIES_PER_HOUR:
            log.warning("reply to %s not sent: %d replies in the last hour already: %s",
                        mask(number), MAX_REPLIES_PER_HOUR, answer)
            return
        memory.replies.append(now)
        try:
            self.send(number, Message(situation.host, answer, (), created=now))
        except DeliveryError as error:
            log.error("reply to %s not sent: %s", mask(number), error.detail)
