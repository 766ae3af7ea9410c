"""One tick, wired end to end: read -> evaluate -> remember -> notify."""

from __future__ import annotations

import dataclasses
import logging
import math
import socket
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

import proc
from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.notifiers import build_notifiers, build_phone_ways
from ttalertd.notify import delivery
from ttalertd.notify.message import AlertState
from ttalertd.phone.desk import PhoneDesk
from ttalertd.read.reading import Reading
from ttalertd.read.source import Source, read
from ttalertd.rules.evaluate import Verdict, evaluate
from ttalertd.rules.peers import PeerVerdict, check_peers
from ttalertd.state.peers import PeerMemory
from ttalertd.state.phone import PhoneMemory
from ttalertd.state.store import load_state, save_state
from ttalertd.state.trace import TraceWriter
from ttalertd.untrusted import printable

log = logging.getLogger("ttalertd")


class Runner:
    """Holds what lives between ticks: the previous sample, the state, the notifiers."""

    def __init__(self, config: Config, source: Source, state_path: str, *, dry_run: bool,
                 stdout: TextIO, host: str | None = None, trace_path: str | None = None) -> None:
        self.source = source
        self.state_path = state_path
        self.dry_run = dry_run
        self.stdout = stdout
        # the live host's name (or the config's `host`), in a replay too
        self.host = host or config.host or socket.gethostname()
        self.state = load_state(state_path)
        self.outbox = delivery.Outbox.from_json(self.state.outbox, self.state.alertmanager)
        self.report = delivery.FlushReport()  # the last flush's, refusals included
        self.peers = PeerMemory.from_json(self.state.peers)  # load_state checked the part
        # the baseline's sample time: the heartbeat's startsAt; no reply older than it counts
        self.started: float | None = None
        self.last_time: float | None = None  # the last tick's sample time
        # each evaluated tick's reading, for `ttalertd backtest` (None: --trace '')
        self.trace = TraceWriter(trace_path, self.state.trace) if trace_path else None
        self.prev: proc.Snapshot | None = None
        self.lost = False  # a message of this run was refused for good or aged out
        self.kept = False  # the last flush left a message waiting for a later try
        self._uptime_anchor: float | None = None
        self._tick_wall: float | None = None  # the wall clock at the last tick
        # a phone part dropped as damaged is empty: no reply sent before this start counts
        self.phone = PhoneDesk(PhoneMemory.from_json(self.state.phone))
        # the daemon's: lets a stop signal cut a send short
        self.send_guard: Callable[[], AbstractContextManager[None]] = nullcontext
        self.extra_states: list[AlertState] = []  # Alertmanager states to post with the next tick
        self.trace_path = trace_path or None  # the start-up line names it
        self.apply_config(config)

    def apply_config(self, config: Config) -> None:
        """New values apply from the next tick; the remembered state is kept."""
        self.config = config
        self.notifiers = build_notifiers(config, dry_run=self.dry_run, stdout=self.stdout)
        callers, inbox, send = build_phone_ways(config, dry_run=self.dry_run, stdout=self.stdout)
        self.phone.configure(config, callers=callers, inbox=inbox, send=send,
                             dry_run=self.dry_run, stdout=self.stdout)

    def start(self) -> None:
        """Take the baseline sample; with no state, its logins and boot id are already known."""
        self.prev = self.source.snapshot()
        self.started = self.last_time = self.prev.wall_time
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
        if self.prev is None:
            raise RuntimeError("Runner.tick() before start(): no baseline sample")
        cur = self.source.snapshot()
        reading = _calendar_clock(read(self.prev, cur, self.source.fs, self.config.top_n,
                                       traced=self.trace is not None))
        self.prev = cur
        self.last_time, self._tick_wall = reading.time, time.time()
        peers = self._judge_peers(reading.time)
        stopped = self.state.memory.stopped  # the run before stopped cleanly: in the trace too
        local = time.localtime(reading.time)
        minute = local.tm_hour * 60 + local.tm_min
        now = self._clock(reading)
        peer_firing = peers.firing if peers else ()
        muted, acked = self.phone.before_rules(
            self.host, reading, self.state.memory.conditions, peer_firing, now=now,
            started=now if self.started is None else self.started)
        verdict = evaluate(reading, self.state.memory, self.config, minute_of_day=minute,
                           local=time.localtime, peer_lines=peers.told if peers else (),
                           muted=muted, acknowledged=acked)
        self.state.memory = verdict.memory
        if self.trace is not None:
            self.trace.append(reading, stopped)
        if verdict.reset:
            log.info("RESET_INTERVAL reached: remembered load and process names cleared")
        tick = verdict.memory.tick
        told = self.phone.refusal_lines()  # Twilio refused: every other way says so, once
        # a refusal alone is not sent back to the number that refused
        to = self.notifiers if verdict.lines or not told else [
            n for n in self.notifiers if n.key not in self.phone.refused_keys()]
        delivery.enqueue(self.outbox, host=self.host, alerts=[*verdict.lines, *told],
                         states=self.alert_states(reading, verdict, peers, told), notifiers=to,
                         now=now, tick=tick, max_per_hour=self.config.max_sms_per_hour)
        quiet = self.config.quiet_hours is not None and self.config.quiet_hours.contains(minute)
        # a silent peer is called about by the host that texts about it (section 10's teller)
        teller = {a.key for a in (peers.told if peers else ()) if not a.recovery}
        ours = [a for a in peer_firing if a.key in teller or a.key in self.phone.memory.incidents]
        call = self.phone.call((*verdict.firing, *ours), now=now, quiet=quiet, muted=muted,
                               told=told)
        for caller in self.phone.callers:  # calls have their own caps, not MAX_SMS_PER_HOUR
            delivery.keep(self.outbox, caller.key, self.host, alerts=call, now=now, tick=tick)
        self.save()  # everything this tick must deliver is on disk before the first try
        with self.send_guard():
            report = self.report = delivery.flush(
                self.outbox, [*self.notifiers, *self.phone.callers], now=now, tick=tick,
                ticks_per_hour=self._ticks_per_hour(), max_per_hour=self.config.max_sms_per_hour,
                drop_aged=not self.dry_run)  # --dry-run leaves kept messages kept, old ones too
            self.phone.after_flush(report.refusals, report.delivered_to)
            self.lost |= report.refused > 0 or report.dropped > 0
            self.kept = report.kept > 0
            if self.config.heartbeat is not None and not self.dry_run:
                from ttalertd.notifiers.heartbeat import ping  # only when configured

                # refused, dropped or kept (Alertmanager's posts too): "alive, cannot deliver"
                ping(self.config.heartbeat, failed=report.undelivered)  # a failure only logs
        self.save()
        self._log_summary(tick, reading, verdict, report)
        return verdict

    def alert_states(self, reading: Reading, verdict: Verdict, peers: PeerVerdict | None = None,
                     told: list[Alert] | None = None) -> list[AlertState]:
        """What Alertmanager gets this tick: the rules' conditions and events, the refusals told
        elsewhere, the silent peers (every watching host posts them), the heartbeat, then any
        extra states appended to `extra_states` before the tick."""
        config = self.config.alertmanager
        if config is None or self.dry_run:  # --dry-run never posts
            self.extra_states.clear()
            return []
        from ttalertd.notifiers.alertmanager import tick_states

        firing, resolved = verdict.firing, verdict.resolved
        if peers is not None:
            firing, resolved = firing + peers.firing, resolved + peers.resolved
        events = (*verdict.events, *(told or ()))  # a refusal is TTAlertNotifierFailed
        states = tick_states(firing, resolved, events, self.host, config.labels,
                             sample_time=reading.time, alert_interval=self.config.alert_interval,
                             started=self.outbox.started)
        states += self._heartbeat(reading.time)
        states += self.extra_states
        self.extra_states.clear()
        return states

    @property
    def undelivered(self) -> bool:
        """Exit 1: a message was refused for good, or is still kept when the run ends."""
        return self.lost or self.kept

    def mark_stopped(self) -> None:
        """A clean stop (SIGTERM/SIGINT, a replay out of samples): the next reboot line says so."""
        memory = self.state.memory
        live = not self.source.is_replay or memory.last_tick is None
        memory.stopped = time.time() if live else memory.last_tick
        if live and memory.last_tick is not None and self._tick_wall is not None:
            # on the ticks' clock: a recorded --root's is btime + uptime, not the wall clock
            memory.stopped = memory.last_tick + max(0.0, time.time() - self._tick_wall)

    def save(self) -> None:
        self.state.outbox = self.outbox.to_json()
        self.state.alertmanager = self.outbox.alertmanager_json()
        self.state.peers = self.peers.to_json()
        self.state.phone = self.phone.memory.to_json()
        save_state(self.state_path, self.state)

    def _judge_peers(self, now: float) -> PeerVerdict | None:
        """watch_peers: read the fleet's heartbeats (--dry-run too) and judge them."""
        watch = self.config.alertmanager
        if watch is None or not watch.watch_peers:
            return None
        from ttalertd.read.peers import read_heartbeats  # network: only when watching

        peers = check_peers(read_heartbeats(watch), self.peers, self.config, host=self.host,
                            now=now, local=time.localtime)
        self.peers = peers.memory
        for line in peers.lines:
            told = "told" if line in peers.told else "left to a lower-named live host"
            log.info("peers: %s (%s)", line.text, told)
        return peers

    def _heartbeat(self, now: float, *, stopping: float | None = None) -> list[AlertState]:
        """TTAlertHeartbeat, alive PEER_SILENT_TICKS ticks (at a clean stop, through the grace)."""
        watch = self.config.alertmanager
        if watch is None or not watch.watch_peers:
            return []
        from ttalertd.notifiers.heartbeat import heartbeat_state

        config = self.config
        lifetime = config.peer_silent_ticks * config.alert_interval
        if stopping is not None:
            lifetime = max(lifetime, config.peer_stop_grace_minutes * 60.0)
        return [heartbeat_state(self.host, watch.labels, starts=min(self.started or now, now),
                                ends=now + lifetime, stopping=stopping)]

    def post_stopping(self) -> None:
        """SIGTERM/SIGINT: the heartbeat once more, alive through PEER_STOP_GRACE_MINUTES and
        saying `stopping`, so that a planned reboot never pages. Not kept: a stale one is moot."""
        if self.dry_run:
            return
        now = self.last_time if self.source.is_replay and self.last_time else time.time()
        states = self._heartbeat(now, stopping=now)
        if not states:
            return
        from ttalertd.notifiers.alertmanager import Alertmanager, postable
        from ttalertd.notify.notifier import DeliveryError

        for notifier in self.notifiers:
            if isinstance(notifier, Alertmanager):
                try:
                    notifier.post([postable(state) for state in states])
                except DeliveryError as error:
                    log.warning("stopping: heartbeat not posted: %s", error.detail)
                else:
                    log.info("stopping: heartbeat posted to %s, peers wait until %s",
                             notifier.key, time.strftime("%H:%M:%S",
                                                         time.localtime(states[0].ends_at)))

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

    def _log_summary(self, tick: int, reading: Reading, verdict: Verdict,
                     report: delivery.FlushReport) -> None:
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
