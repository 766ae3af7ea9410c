"""What a backtest prints: each message with its time, the summary line of interface.md
section 12, the comparison of two configs, or the JSON of the same."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ttalertd.backtest.run import Outcome, Sent

HOUR = 3600.0

@dataclass(slots=True, frozen=True)
class Summary:
    messages: int
    segments: int
    busiest_hour: int
    busiest_start: float | None  # sample time the busiest sliding hour starts at
    first: float | None
    last: float | None


def summarise(outcome: Outcome) -> Summary:
    times = [s.time for s in outcome.sent]
    busiest, start = 0, None
    end = 0
    for begin, at in enumerate(times):  # a sliding hour starting at each message, half-open
        end = max(end, begin)
        while end < len(times) and times[end] < at + HOUR:
            end += 1
        if end - begin > busiest:
            busiest, start = end - begin, at
    return Summary(len(times), sum(s.segments for s in outcome.sent), busiest,
                   start, outcome.first, outcome.last)


def _minute(seconds: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "-" if seconds is None else time.strftime(fmt, time.localtime(seconds))


def summary_line(summary: Summary) -> str:
    start = summary.busiest_start if summary.busiest_start is not None else summary.first
    return (f"{summary.messages} messages, {summary.segments} SMS segments, busiest hour "
            f"{summary.busiest_hour} messages ({_minute(start, '%H:%M')}), "
            f"from {_minute(summary.first)} to {_minute(summary.last)}")


def message_block(sent: Sent) -> str:
    """The message as the phone would read it, under the time it would have gone."""
    return f"--- {_minute(sent.time, '%Y-%m-%d %H:%M:%S')}\n{sent.text}"


def difference_line(new: Summary, old: Summary) -> str:
    return (f"difference: {new.messages - old.messages:+d} messages, "
            f"{new.segments - old.segments:+d} segments")


def as_json(outcome: Outcome, summary: Summary) -> dict[str, Any]:
    return {
        "messages": [{"time": _iso(s.time), "text": s.text} for s in outcome.sent],
        "summary": _summary_json(summary),
    }


def _summary_json(summary: Summary) -> dict[str, int]:
    return {"messages": summary.messages, "segments": summary.segments,
            "busiest_hour": summary.busiest_hour}


def against_json(path: str, summary: Summary, new: Summary) -> dict[str, Any]:
    """The comparison's part of --json: the other config's summary and the signed difference."""
    return {"config": path, "summary": _summary_json(summary),
            "difference": {"messages": new.messages - summary.messages,
                           "segments": new.segments - summary.segments}}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")
