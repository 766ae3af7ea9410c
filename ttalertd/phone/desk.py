"""The phone's part of a tick: replies before the rules, calls and refusal lines after them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.phone import calls, refusals
from ttalertd.phone.commands import Situation
from ttalertd.state.phone import PhoneMemory

if TYPE_CHECKING:
    from ttalertd.notify.notifier import DeliveryError, Notifier
    from ttalertd.phone.replies import Inbox, Replies, Send
    from ttalertd.read.reading import Reading
    from ttalertd.state.memory import Condition

log = logging.getLogger(__name__)


class PhoneDesk:
    """Holds the phone memory (memory.json's phone part) and the ways to the phone."""

    def __init__(self, memory: PhoneMemory) -> None:
        self.memory = memory
        self.replies: Replies | None = None
        self.callers: list[Notifier] = []
        self.call_after = 15.0

    def configure(self, config: Config, *, callers: list[Notifier], inbox: Inbox | None,
                  send: Send | None, dry_run: bool, stdout: TextIO) -> None:
        """Take the ways to the phone the wiring built (ttalertd.notifiers.build_phone_ways):
        replies are read only where there is an inbox and a way to answer."""
        self.call_after = config.call_after
        self.callers = list(callers)
        self.replies = None
        if inbox is not None and send is not None and config.twilio is not None:
            from ttalertd.phone.replies import Replies

            self.replies = Replies(inbox, config.twilio.to, send, dry_run=dry_run, stdout=stdout)

    def before_rules(self, host: str, reading: Reading, conditions: dict[str, Condition],
                     peers: Iterable[Alert] = (), *, now: float, started: float
                     ) -> tuple[frozenset[str], frozenset[str]]:
        """Read and act on replies; the kinds muted now and the acknowledged condition keys
        (`peers`: the silent peers firing, which an ack covers too)."""
        self.memory.forget_old(now)
        firing = {key: c.since for key, c in conditions.items() if c.firing}
        firing.update((alert.key, alert.starts_at) for alert in peers)
        if self.replies is not None:
            self.replies.poll(self.memory, Situation(host, now, reading, firing), started=started)
        muted = frozenset(kind for kind, until in self.memory.mutes.items() if until > now)
        acks = frozenset(k for k, since in firing.items() if self.memory.acks.get(k) == since)
        return muted, acks

    def refusal_lines(self) -> list[Alert]:
        """Refusals to tell in this tick's message (once each)."""
        return refusals.pending(self.memory)

    def refused_keys(self) -> frozenset[str]:
        return refusals.refused_keys(self.memory)

    def call(self, firing: Iterable[Alert], *, now: float, quiet: bool,
             muted: frozenset[str], told: list[Alert]) -> list[Alert]:
        """What a call placed this tick says (refusal lines first), or nothing when none is due."""
        firing = list(firing)
        calls.follow(self.memory, firing, now)
        if not self.callers:
            return []
        due = calls.due(self.memory, firing, now=now, call_after_minutes=self.call_after,
                        held=lambda kind: quiet or kind in muted)
        if not due:
            return []
        calls.record_call(self.memory, due, now)
        log.info("calling %d numbers about %d alerts", len(self.callers), len(due))
        return [*told, *due]

    def after_flush(self, refused: Iterable[tuple[str, DeliveryError]],
                    delivered_to: Iterable[str]) -> None:
        """This tick's refusal lines are told; note new refusals for the next tick."""
        refusals.mark_told(self.memory)
        refusals.note(self.memory, refused, delivered_to)
