"""`ttalertd backtest`: what a config would have sent over a trace or a recorded scenario
(interface.md section 12). Sends nothing, and never opens the state file."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from ttalertd.backtest import report, timeline
from ttalertd.backtest.reader import TraceMissing, TraceReadings, scenario_readings, trace_lines
from ttalertd.backtest.run import Outcome, Step, run_rules
from ttalertd.config.loader import find_config_path, load_config
from ttalertd.config.records import Config, ConfigError
from ttalertd.read.reading import TRACE_ROWS
from ttalertd.state.trace import trace_path

log = logging.getLogger(__name__)

def main(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    logging.getLogger().setLevel(logging.WARNING)  # the messages are the output, not tick logs
    try:
        new_path = find_config_path(getattr(args, "config", None))
        configs = [(new_path, load_config(new_path))]
        if args.against is not None:
            configs.append((args.against, load_config(find_config_path(args.against))))
    except ConfigError as exc:
        print(f"ttalertd: {exc}", file=sys.stderr)
        return 2
    try:
        outcomes = [(path, config, _run(args, config)) for path, config in configs]
    except TraceMissing as exc:
        print(f"ttalertd: {exc}", file=sys.stderr)
        return 2
    _print(args, outcomes, stdout)
    return 0


def _run(args: argparse.Namespace, config: Config) -> Outcome:
    host = config.host or socket.gethostname()
    replay = getattr(args, "replay", None)
    if replay is not None:
        steps, baseline = _scenario_steps(replay, config, args.last)
    else:
        steps, baseline = _trace_steps(_trace_file(args), config, args.last)
    with _quiet_delivery():
        return run_rules(steps, config, host, baseline)


def _trace_file(args: argparse.Namespace) -> str:
    given = getattr(args, "trace", None)
    if given is None:
        given = os.environ.get("TTALERTD_TRACE") or None
    if given is not None:
        return given
    state = getattr(args, "state", None) or os.environ.get("TTALERTD_STATE") or "memory.json"
    return trace_path(state)


_LINES_CACHE: dict[str, list] = {}  # two configs over one trace read it once


# what a run with no state file takes as known: the first sessions and the boot id
Baseline = tuple[list[tuple[str, str, str]] | None, str | None]


def _trace_steps(path: str, config: Config,
                 last: float | None) -> tuple[Iterable[Step], Baseline]:
    if config.cpu_limit < 1 or config.top_n > TRACE_ROWS:
        log.warning("the trace keeps the %d busiest processes over 0%% cpu: a CPU_LIMIT under 1 "
                    "(%g) or a TOP_N over %d (%d) may not give what a live run would have",
                    TRACE_ROWS, config.cpu_limit, TRACE_ROWS, config.top_n)
    lines = _LINES_CACHE.get(path)
    if lines is None:
        lines = _LINES_CACHE[path] = trace_lines(path)
    cutoff = lines[-1].time - last if lines and last is not None else None
    begin = next((i for i, tick in enumerate(lines) if cutoff is None or tick.time >= cutoff),
                 len(lines))
    if begin == len(lines):
        return [], (None, None)
    first = lines[begin].line
    users = first.get("users")
    sessions = None if users is None else [(str(u), str(ln), str(h)) for u, ln, h in users]
    return _steps(lines, begin, config.top_n), (sessions, first.get("boot"))


def _steps(lines: list, begin: int, top_n: int) -> Iterator[Step]:
    """The window's steps, one at a time: a Reading shares the process table of its line."""
    readings = TraceReadings(top_n)
    for index, tick in enumerate(lines):
        readings.learn(tick.line)
        if index >= begin:
            stopped = tick.line.get("stopped") if index > begin else None  # a window starts fresh
            yield Step(readings.reading(tick.line), stopped)


def _scenario_steps(scenario: str, config: Config,
                    last: float | None) -> tuple[Iterable[Step], Baseline]:
    if not os.path.isdir(scenario):
        raise TraceMissing(f"scenario {scenario}: no such directory")
    baseline, readings = scenario_readings(scenario, config.top_n)
    steps = [Step(r) for r in readings]
    if last is not None and steps:
        cutoff = steps[-1].reading.time - last
        steps = [s for s in steps if s.reading.time >= cutoff]
    return steps, baseline


@contextmanager
def _quiet_delivery() -> Iterator[None]:
    """Held and sent lines are the output here, not log lines (a flood would be one per tick)."""
    logger = logging.getLogger("ttalertd.notify")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _print(args: argparse.Namespace, outcomes: list[tuple[str | None, Config, Outcome]],
           stdout: TextIO) -> None:
    summaries = [report.summarise(outcome) for _path, _config, outcome in outcomes]
    _new_path, new_config, new_outcome = outcomes[0]
    if args.json:
        doc = report.as_json(new_outcome, summaries[0])
        if len(outcomes) > 1:
            doc["against"] = report.against_json(str(outcomes[1][0]), summaries[1], summaries[0])
        print(json.dumps(doc, indent=2), file=stdout)
        return
    for sent in new_outcome.sent:
        print(report.message_block(sent), file=stdout)
        print(file=stdout)
    width = shutil.get_terminal_size((80, 24)).columns
    for line in timeline.draw(new_outcome, new_config, width):
        print(line, file=stdout)
    if len(outcomes) == 1:
        print(report.summary_line(summaries[0]), file=stdout)
        return
    for (path, _config, _outcome), summary in zip(outcomes, summaries, strict=True):
        print(f"{path or 'built-in defaults'}: {report.summary_line(summary)}", file=stdout)
    print(report.difference_line(summaries[0], summaries[1]), file=stdout)
