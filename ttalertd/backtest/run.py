"""The backtest loop: the rules, MAX_SMS_PER_HOUR and held lines over recorded readings, as a
live run would have applied them on the samples' clock, with a notifier that only takes notes."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ttalertd.config.records import Config
from ttalertd.notifiers.console import ConsoleNotifier
from ttalertd.notify import delivery, sms
from ttalertd.notify.message import Message
from ttalertd.notify.notifier import Notifier
from ttalertd.read.reading import Reading
from ttalertd.rules.cpu import excluded
from ttalertd.rules.evaluate import evaluate
from ttalertd.state.memory import AlertMemory


@dataclass(slots=True, frozen=True)
class Sent:
    """A message the phone would have got, and when."""

    time: float
    text: str
    keys: frozenset[str]  # the alert keys its lines carry ("load", "cpu:python3", "disk:/var")
    segments: int  # SMS segments of its SMS rendering


@dataclass(slots=True)
class Figures:
    """One tick's figure of each rule that has one, for the timelines."""

    time: float
    values: dict[str, float | None] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    sent: list[Sent]
    figures: list[Figures]
    first: float | None  # sample time of the first and the last tick run
    last: float | None


class NoteTaker(ConsoleNotifier):
    """The console of --dry-run (the SMS rendering where twilio is configured), writing each
    message down with its time and SMS segments instead of printing it."""

    def __init__(self, config: Config) -> None:
        super().__init__(io.StringIO(), config.sms_max_segments if config.twilio else None)
        self.max_segments = config.sms_max_segments
        self.now = 0.0
        self.sent: list[Sent] = []

    def send(self, message: Message) -> None:
        # counted per message as section 11 renders an SMS, with twilio configured or not
        self.sent.append(Sent(self.now, self.rendering(message),
                              frozenset(a.key for a in message.alerts),
                              sms.render(message.text, self.max_segments).segments))


@dataclass(slots=True)
class Step:
    """One reading to run, and when the run before it stopped cleanly (a trace line says)."""

    reading: Reading
    stopped: float | None = None


def run_rules(steps: Iterable[Step], config: Config, host: str,
              baseline: tuple[list[tuple[str, str, str]] | None, str | None]) -> Outcome:
    """Run every step; `baseline` is (sessions, boot id) taken as known, as a run with no state
    file takes its baseline sample's."""
    sessions, boot_id = baseline
    memory = AlertMemory(sessions=sessions, boot_id=boot_id)
    outbox = delivery.Outbox()
    notes = NoteTaker(config)
    notifiers: list[Notifier] = [notes]
    ticks_per_hour = max(1, math.ceil(3600.0 / config.alert_interval))
    figures: list[Figures] = []
    first = last = None
    for step in steps:
        reading = step.reading
        if step.stopped is not None:
            memory.stopped = step.stopped
        now = reading.time  # the samples' clock (interface.md section 7)
        local = time.localtime(now)
        verdict = evaluate(reading, memory, config, minute_of_day=local.tm_hour * 60 + local.tm_min,
                           local=time.localtime)
        memory = verdict.memory
        tick = memory.tick
        delivery.enqueue(outbox, host=host, alerts=verdict.lines, notifiers=notifiers, now=now,
                         tick=tick, max_per_hour=config.max_sms_per_hour)
        notes.now = now
        delivery.flush(outbox, notifiers, now=now, tick=tick, ticks_per_hour=ticks_per_hour,
                       max_per_hour=config.max_sms_per_hour)
        figures.append(Figures(now, tick_figures(reading, config)))
        first = now if first is None else first
        last = now
    return Outcome(notes.sent, figures, first, last)


def tick_figures(reading: Reading, config: Config) -> dict[str, float | None]:
    """load (1 minute), memory (% available), swap (% used), disk MOUNT (% free), cpu (the
    busiest process the CPU rule may alert about: not excluded, not born in the window)."""
    values: dict[str, float | None] = {"load": reading.load.one if reading.load else None}
    info = reading.memory
    if info is not None and info.total_kib > 0 and info.available_kib is not None:
        values["memory"] = 100.0 * info.available_kib / info.total_kib
    if info is not None and info.swap_total_kib > 0:
        values["swap"] = 100.0 * (info.swap_total_kib - info.swap_free_kib) / info.swap_total_kib
    for disk in reading.disks:
        if disk.blocks > 0:
            values[f"disk:{disk.mountpoint}"] = 100.0 * disk.bavail / disk.blocks
    young = reading.young_pids()
    top = [r.cpu for r in reading.top if r.cpu is not None and r.pid not in young
           and not excluded(r, config)]
    values["cpu"] = max(top) if top else 0.0
    return values
