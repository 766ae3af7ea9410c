"""The command line of interface.md section 1."""

from __future__ import annotations  # noqa: I001 - startup_signals must come first

import ttalertd.startup_signals  # noqa: F401 - first: SIGHUP during start-up must not kill
import argparse
import dataclasses
import logging
import os
import sys
import time

import proc
from ttalertd import __version__
from ttalertd.config.loader import describe, find_config_path, load_config
from ttalertd.config.records import Config, ConfigError
from ttalertd.config.secrets import config_secrets, redact
from ttalertd.logsetup import REDACT, setup_logging

TYPE_CHECKING = False  # typing stays off the start-up path (issue 14): Any is for mypy only
if TYPE_CHECKING:
    from typing import Any

    from ttalertd.read.source import Source  # imported where used: snapshot needs no runner

log = logging.getLogger("ttalertd")


def _run_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    # on a subcommand the defaults are suppressed so options given before it are not overwritten
    d: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    parser.add_argument("--config", metavar="PATH", help="config file (credentials.yml)", **d)
    parser.add_argument("--state", metavar="PATH", help="state file (memory.json)", **d)
    parser.add_argument("--dry-run", action="store_true", help="print messages, send nothing", **d)
    parser.add_argument("--root", metavar="DIR", help="read a recorded root instead of /", **d)
    parser.add_argument("--replay", metavar="SCENARIO", help="replay a recorded scenario", **d)
    parser.add_argument("--utmp", metavar="PATH", help="read logins from this utmp file", **d)
    parser.add_argument("--window", type=float, metavar="SECONDS",
                        help="seconds between the two live samples (--once, snapshot)", **d)
    parser.add_argument("-n", "--top", type=int, metavar="N", help="processes ranked", **d)
    parser.add_argument("--log", metavar="FILE", help="also append the log to FILE", **d)
    parser.add_argument("--trace", metavar="FILE", help="append each tick's reading to FILE "
                        "(default: the state file's .trace.jsonl; '' turns it off)", **d)


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size finds it (COLUMNS, stdout, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own, given the width: its default imports shutil (~2 ms of every start)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         width if width is not None else _columns() - 2)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommand parsers (the same class) use _HelpFormatter too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ttalertd", description="Text the owner when this "
                                     "machine needs attention: load, CPU hogs, logins.")
    _run_options(parser, sub=False)
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    parser.add_argument("--version", action="version", version=f"ttalertd {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    snap = subs.add_parser("snapshot", help="print what a tick would see; send nothing")
    _run_options(snap, sub=True)
    snap.add_argument("--json", action="store_true", help="print JSON")
    rec = subs.add_parser("record", help="record the live system as a fixture scenario")
    rec.add_argument("dir", metavar="DIR")
    rec.add_argument("--samples", type=int, default=2, metavar="N")
    rec.add_argument("--interval", type=float, default=2.0, metavar="S")
    from ttalertd.backtest.options import add_parser

    add_parser(subs)
    for name, text in (("check-config", "validate the config"),
                       ("test-sms", "send one test message through the configured notifier")):
        sub = subs.add_parser(name, help=text)
        sub.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.top is not None and args.top < 1:
        parser.error("-n/--top must be at least 1")
    if args.window is not None and args.window < 0:
        parser.error("--window must not be negative")
    if args.root and args.replay:
        parser.error("--root and --replay exclude each other")
    for option, path in (("--root", args.root), ("--replay", args.replay)):
        if path is not None and not os.path.isdir(path):
            parser.error(f"{option} {path}: no such directory")
    try:
        setup_logging(args.log)
    except OSError as exc:
        print(f"ttalertd: --log {args.log}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.command == "record":
        return _record(args)
    if args.command == "backtest":
        from ttalertd.backtest.command import main as backtest

        return backtest(args)
    try:
        config = _load(args)
    except ConfigError as exc:
        print(f"ttalertd: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(redact(describe(config), *REDACT.secrets))
        return 0
    if args.command == "test-sms":
        return _test_sms(config)
    if args.top is not None:
        config = dataclasses.replace(config, top_n=args.top)
    if args.command == "snapshot":
        return _snapshot(args, config)
    return _run(args, config)


def _load(args: argparse.Namespace) -> Config:
    config = load_config(find_config_path(args.config))
    REDACT.update(config_secrets(config))
    return config


def _source(args: argparse.Namespace) -> Source:
    from ttalertd.read.source import Source

    return Source(root=args.root or "/", replay=args.replay, utmp=args.utmp)


def _two_samples(args: argparse.Namespace,
                 source: Source) -> tuple[proc.Snapshot, proc.Snapshot]:
    first = source.snapshot()
    if not source.is_replay and not args.root:
        time.sleep(2.0 if args.window is None else args.window)
    return first, source.snapshot()


def _snapshot(args: argparse.Namespace, config: Config) -> int:
    from ttalertd.read.render import render_json, render_table
    from ttalertd.read.source import Exhausted, read

    source = _source(args)
    try:
        first, second = _two_samples(args, source)
    except Exhausted:
        print(f"ttalertd: {args.replay} needs samples 0 and 1", file=sys.stderr)
        return 2
    reading = read(first, second, source.fs, config.top_n)
    print(render_json(reading) if args.json else render_table(reading))
    return 0


def _run(args: argparse.Namespace, config: Config) -> int:
    from ttalertd.read.source import Exhausted
    from ttalertd.runner import Runner
    from ttalertd.state.store import StateError

    state_path = _state_path(args)
    source = _source(args)
    try:
        runner = Runner(config, source, state_path, dry_run=args.dry_run, stdout=sys.stdout,
                        trace_path=_trace_file(args, state_path))
    except StateError as exc:  # a state file that must not be replaced: the last stderr line
        print(f"ttalertd: {exc}", file=sys.stderr)
        return 2
    if not args.once:
        from ttalertd.daemon import run_daemon

        return run_daemon(runner, lambda: _load(args))
    try:
        runner.start()
        if not source.is_replay and not args.root:
            time.sleep(2.0 if args.window is None else args.window)
        runner.tick()
    except Exhausted:
        print(f"ttalertd: {args.replay} needs samples 0 and 1", file=sys.stderr)
        return 2
    return 1 if runner.undelivered else 0


def _state_path(args: argparse.Namespace) -> str:
    return args.state or os.environ.get("TTALERTD_STATE") or "memory.json"


def _trace_file(args: argparse.Namespace, state_path: str) -> str:
    """--trace FILE, else $TTALERTD_TRACE, else next to the state file; '' is no trace."""
    from ttalertd.state.trace import trace_path

    given = getattr(args, "trace", None)
    if given is None:
        given = os.environ.get("TTALERTD_TRACE")
    return trace_path(state_path) if given is None else given


def _record(args: argparse.Namespace) -> int:
    if args.samples < 1 or args.interval < 0:
        print("ttalertd: record needs --samples >= 1 and --interval >= 0", file=sys.stderr)
        return 2
    from ttalertd.read.record import record

    record(args.dir, samples=args.samples, interval=args.interval)
    print(f"recorded {args.samples} samples into {args.dir}")
    return 0


def _test_sms(config: Config) -> int:
    import socket  # only here: the run commands start ~3 ms sooner without it

    from ttalertd.notifiers import send_test_message, trial_message
    from ttalertd.notify.sms import render

    host = config.host or socket.gethostname()
    results = send_test_message(config, host, sys.stdout)
    if not results:
        print("ttalertd: nothing to test: Alertmanager is the only notifier and test-sms skips "
              "it (a test alert would page people; try amtool alert add)", file=sys.stderr)
        return 1
    # Twilio bills each segment: say what the test SMS took (interface.md section 11)
    count = render(trial_message(host).text, config.sms_max_segments).segments
    segments = f"{count} SMS segment{'s' if count != 1 else ''}"
    for key, ok, detail in results:
        took = f" ({segments})" if ok and key.startswith("sms:") else ""
        line = f"{key}: {'sent' if ok else 'FAILED'}{took}{': ' + detail if detail else ''}"
        print(redact(line, *REDACT.secrets))  # a refusal's body may echo a header
    if not any(key.startswith("sms:") for key, _, _ in results):
        print(f"as an SMS, the test message takes {segments}")
    return 0 if results and all(ok for _, ok, _ in results) else 1
