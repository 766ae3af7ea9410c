"""The `backtest` subcommand's options: apart from the command, so that building the parser,
which every command does, imports none of the backtest's machinery (about 38 ms of each start)."""

from __future__ import annotations

import argparse
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_parser(subs: argparse._SubParsersAction) -> None:
    sub = subs.add_parser("backtest", help="replay recorded readings through the rules and "
                          "print what would have been sent")
    sub.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                     help="the config to try (default: as the run commands find theirs)")
    sub.add_argument("--against", metavar="PATH", help="compare with this config")
    where = sub.add_mutually_exclusive_group()
    where.add_argument("--trace", metavar="FILE", default=argparse.SUPPRESS,
                       help="the trace to run over (default: the state file's)")
    where.add_argument("--replay", metavar="SCENARIO", default=argparse.SUPPRESS,
                       help="run over a recorded scenario instead")
    sub.add_argument("--last", metavar="DURATION", type=duration,
                     help="only the end of the trace: 7d, 12h, 30m")
    sub.add_argument("--json", action="store_true", help="print JSON, no drawing")
    sub.add_argument("--state", metavar="PATH", default=argparse.SUPPRESS,
                     help="the state file whose trace is the default")


def duration(text: str) -> float:
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 7d, 12h or 30m")
    return float(match.group(1)) * _UNIT[match.group(2)]
