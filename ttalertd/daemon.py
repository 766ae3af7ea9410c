"""The daemon loop: ticks on a fixed monotonic cadence, SIGTERM/SIGINT stop, SIGHUP reloads."""

from __future__ import annotations

import logging
import os
import select
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from ttalertd import startup_signals
from ttalertd.config.records import Config, ConfigError
from ttalertd.config.secrets import config_secrets
from ttalertd.logsetup import REDACT
from ttalertd.read.source import Exhausted
from ttalertd.runner import Runner

log = logging.getLogger("ttalertd.daemon")


class StopRequested(BaseException):
    """SIGTERM or SIGINT during a send: the send is abandoned, its message stays kept.

    A BaseException, so that no `except Exception` on the way (a notifier's, delivery's) keeps it.
    """


class Signals:
    """Signal flags plus a self-pipe, so a sleeping daemon wakes at once."""

    def __init__(self) -> None:
        self.stop = False
        self.reload = False
        self._sending = False
        self._read_fd, write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(write_fd, False)
        signal.set_wakeup_fd(write_fd)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        # a SIGHUP of the start-up, before this handler took over, is not lost
        self.reload = self.reload or startup_signals.reload_requested
        startup_signals.reload_requested = False

    def _on_stop(self, signum: int, frame: object) -> None:
        self.stop = True
        if self._sending:
            # a send may block for its whole HTTP timeout: stop now, the outbox is on disk
            self._sending = False
            raise StopRequested

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Sends inside may be cut short by a stop signal (StopRequested)."""
        if self.stop:
            raise StopRequested
        self._sending = True
        try:
            yield
        finally:
            self._sending = False

    def _on_hup(self, signum: int, frame: object) -> None:
        self.reload = True

    def sleep(self, seconds: float) -> None:
        """Sleep until `seconds` pass or a signal arrives."""
        if seconds > 0 and not (self.stop or self.reload):
            select.select([self._read_fd], [], [], seconds)
        try:
            while os.read(self._read_fd, 512):
                pass
        except BlockingIOError:
            pass


def run_daemon(runner: Runner, reload_config: Callable[[], Config]) -> int:
    """Tick every ALERT_INTERVAL until a stop signal, or until a replay runs out of samples."""
    signals = Signals()
    runner.send_guard = signals.sending
    replay = runner.source.is_replay
    finished = False
    try:
        runner.start()
        last_at = time.monotonic()  # the last tick's start; the baseline sample counts as one
        next_at = last_at + runner.config.alert_interval
        log.info("%s", startup_line(runner, first_tick_in=0.0 if replay else next_at - last_at))
        while not signals.stop:
            if not replay:
                signals.sleep(next_at - time.monotonic())
            if signals.reload:
                signals.reload = False
                interval = runner.config.alert_interval
                _reload(runner, reload_config)
                if runner.config.alert_interval != interval:
                    # one new interval after the last tick; at once if that time has passed
                    next_at = last_at + runner.config.alert_interval
            if signals.stop:
                break
            if not replay and time.monotonic() < next_at:
                continue  # woken early by a reload
            last_at = time.monotonic()
            try:
                runner.tick()
            except Exhausted:
                log.info("replay finished: no more samples")
                finished = True  # a replay out of samples is a clean stop
                break
            except StopRequested:
                log.info("stop signal during a send: the undelivered message stays kept")
                break
            except Exception:  # a bug in one tick must not end the watch
                log.exception("tick failed; the daemon goes on")
            next_at = _next_deadline(next_at, runner.config.alert_interval)
    finally:
        runner.send_guard = nullcontext
        if signals.stop or finished:
            runner.mark_stopped()  # saved just below: "clean shutdown" in the next reboot line
        runner.save()
        if signals.stop:  # a planned stop: peers wait PEER_STOP_GRACE_MINUTES before telling
            try:
                runner.post_stopping()
            except Exception:  # the state is saved; a failed last post must not hide that
                log.exception("stopping: the last heartbeat was not posted")
            runner.save()
        log.info("stopped; state saved to %s", runner.state_path)
    # stopped on request: kept messages wait for the next start; a finished replay tells
    return 0 if signals.stop else (1 if runner.undelivered else 0)


def startup_line(runner: Runner, first_tick_in: float) -> str:
    """What a newcomer needs to see at start: which config, where alerts go (notifier keys hold
    no secret), the interval, the state and trace files, and when the first tick comes."""
    config = runner.config
    notifiers = [n.key for n in runner.notifiers]
    if runner.dry_run:
        notifiers = ["console (--dry-run: nothing is sent)"]
    trace = runner.trace_path
    first = ("at once (replay)" if runner.source.is_replay else
             time.strftime("%H:%M:%S", time.localtime(time.time() + first_tick_in)))
    return (f"started: config {config.path or 'none (built-in defaults)'}; notifiers "
            f"{', '.join(notifiers) or 'none'}; interval {config.alert_interval:g} s; "
            f"state {os.path.abspath(runner.state_path)}; "
            f"trace {os.path.abspath(trace) if trace else 'off'}; first tick {first}")


def _next_deadline(previous: float, interval: float) -> float:
    # a fixed cadence on the monotonic clock: no drift, and missed ticks are skipped, not bunched
    now = time.monotonic()
    deadline = previous + interval
    if deadline <= now:
        deadline += ((now - deadline) // interval + 1) * interval
    return deadline


def _reload(runner: Runner, reload_config: Callable[[], Config]) -> None:
    try:
        config = reload_config()
    except ConfigError as exc:
        log.error("SIGHUP: config not reloaded, keeping the running one: %s", exc)
        return
    REDACT.update(config_secrets(config))
    runner.apply_config(config)
    log.info("SIGHUP: config reloaded from %s", config.path or "built-in defaults")
