"""One tick, wired end to end: read -> evaluate -> remember -> notify."""

from __future__ import annotations

import dataclasses
import logging
import math
import socket
import time
from contextlib import nullcontext
from typing import TextIO

import proc
from ttalertd.config.records import Config
from ttalertd.notifiers import build_notifiers
from ttalertd.notify import delivery
from ttalertd.notify.message import AlertState
from ttalertd.read.reading import Reading
from ttalertd.read.source import Source, read
from ttalertd.rules.evaluate import Verdict, evaluate
from ttalertd.state.store import load_state, save_state
from ttalertd.untrusted import printable

log = logging.getLogger("ttalertd")


class Runner:
    """Holds what lives between ticks: the previous sample, the state, the notifiers."""

    def __init__(self, config: Config, source: Source, state_path: str, *, dry_run: bool,
                 stdout: TextIO, host: str | None = None) -> None:
        self.source = source
        self.state_path = state_path
        self.dry_run = dry_run
        self.stdout = stdout
        # the live host's name (or the config's `host`), in a replay too
        self.host = host or config.host or socket.gethostname()
        self.state = load_state(state_path)
        self.outbox = delivery.Outbox.from_json(self.state.outbox, self.state.alertmanager)
        self.report = delivery.FlushReport()  # the last flush's, refusals included
        self.prev: proc.Snapshot | None = None
        self.lost = False  # a message of this run was refused for good or aged out
        self.kept = False  # the last flush left a message waiting for a later try
        self._uptime_anchor: float | None = None
        self.send_guard = nullcontext  # the daemon's: lets a stop signal cut a send short
        self.extra_states: list[AlertState] = []  # Alertmanager states to post with the next tick
        self.apply_config(config)

    def apply_config(self, config: Config) -> None:
        """New values apply from the next tick; the remembered state is kept."""
        self.config = config
        self.notifiers = build_notifiers(config, dry_run=self.dry_run, stdout=self.stdout)

    def start(self) -> None:
        """Take the baseline sample; with no state, its logins and boot id are already known."""
        self.prev = self.source.snapshot()
        memory = self.state.memory
        if memory.boot_id is None:  # so a reboot between the baseline and the next tick is told
            try:
                memory.boot_id = self.source.fs.boot_id()
            except OSError as exc:
                log.warning("could not read the baseline boot id: %s", exc)
        if memory.sessions is None:
            try:
                sessions = self.source.fs.sessions()
            except (proc.ParseError, OSError) as exc:
                log.warning("could not read the baseline sessions: %s", exc)
            else:
                memory.sessions = [(s.user, s.line, s.host) for s in sessions]

    def tick(self) -> Verdict:
        """Evaluate the next sample against the previous one; raises readings.Exhausted."""
        cur = self.source.snapshot()
        reading = _calendar_clock(read(self.prev, cur, self.source.fs, self.config.top_n))
        self.prev = cur
        local = time.localtime(reading.time)
        verdict = evaluate(reading, self.state.memory, self.config,
                           minute_of_day=local.tm_hour * 60 + local.tm_min,
                           local=time.localtime)
        self.state.memory = verdict.memory
        if verdict.reset:
            log.info("RESET_INTERVAL reached: remembered load and process names cleared")
        now = self._clock(reading)
        tick = verdict.memory.tick
        delivery.enqueue(self.outbox, host=self.host, alerts=verdict.lines,
                         states=self.alert_states(reading, verdict), notifiers=self.notifiers,
                         now=now, tick=tick, max_per_hour=self.config.max_sms_per_hour)
        self.save()  # everything this tick must deliver is on disk before the first try
        with self.send_guard():
            report = self.report = delivery.flush(
                self.outbox, self.notifiers, now=now, tick=tick,
                ticks_per_hour=self._ticks_per_hour(), max_per_hour=self.config.max_sms_per_hour)
            self.lost |= report.refused > 0 or report.dropped > 0
            self.kept = report.kept > 0
        self.save()
        self._log_summary(tick, reading, verdict, report)
        return verdict

    def alert_states(self, reading: Reading, verdict: Verdict) -> list[AlertState]:
        """What Alertmanager gets this tick: the rules' conditions and events, then any extra
        states (a heartbeat, a silent peer) appended to `extra_states` before the tick."""
        config = self.config.alertmanager
        if config is None or self.dry_run:  # --dry-run never posts
            self.extra_states.clear()
            return []
        from ttalertd.notifiers.alertmanager import tick_states

        states = tick_states(verdict.firing, verdict.resolved, verdict.events, self.host,
                             config.labels, sample_time=reading.time,
                             alert_interval=self.config.alert_interval,
                             started=self.outbox.started)
        states += self.extra_states
        self.extra_states.clear()
        return states

    @property
    def undelivered(self) -> bool:
        """Exit 1: a message was refused for good, or is still kept when the run ends."""
        return self.lost or self.kept

    def save(self) -> None:
        self.state.outbox = self.outbox.to_json()
        self.state.alertmanager = self.outbox.alertmanager_json()
        save_state(self.state_path, self.state)

    def _clock(self, reading: Reading) -> float:
        """Rate limit and retry clock: the wall clock live; a replay's own samples' clock."""
        if not self.source.is_replay:
            return time.time()
        if reading.btime is not None and reading.uptime is not None:
            return reading.btime + reading.uptime
        if reading.uptime is None:
            return time.time()
        if self._uptime_anchor is None:
            self._uptime_anchor = time.time() - reading.uptime
        return self._uptime_anchor + reading.uptime

    def _ticks_per_hour(self) -> int:
        return max(1, math.ceil(3600.0 / self.config.alert_interval))

    def _log_summary(self, tick: int, reading: Reading, verdict: Verdict, report) -> None:
        load = f"{reading.load.one:.2f}" if reading.load else "?"
        users = len(reading.sessions) if reading.sessions is not None else "?"
        top = reading.top[0] if reading.top else None
        top_text = f"{printable(top.name)} {top.cpu}%" if top else "-"
        log.info("tick %d: load %s, %s sessions, top %s; %d alert lines (%d held for quiet "
                 "hours), sent %d, kept %d, refused %d", tick, load, users, top_text,
                 len(verdict.lines), verdict.held, report.sent, report.kept, report.refused)


def _calendar_clock(reading: Reading) -> Reading:
    """A sample clock no calendar can show (a damaged btime or uptime) is left out: live clock."""
    try:
        for seconds in (reading.time, reading.btime or 0, reading.time - (reading.uptime or 0)):
            time.localtime(seconds)
    except (OverflowError, OSError, ValueError):
        log.warning("sample clock out of range (btime %s, uptime %s): the live clock is used",
                    reading.btime, reading.uptime)
        return dataclasses.replace(reading, time=time.time(), btime=None, uptime=None)
    return reading
