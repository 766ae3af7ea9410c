"""PhoneMemory: the phone part of memory.json (seen reply SIDs, acks, mutes, calls, refusals)."""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

SEEN_FOR = 48 * 3600.0  # a reply's SID is remembered this long: each reply is acted on once
HOUR = 3600.0


@dataclass(slots=True)
class Incident:
    """A firing condition as the call rule follows it."""

    since: float  # the condition's start: a new value is a new incident
    told: float  # when its first line was sent or held: CALL_AFTER counts from here
    calls: int = 0
    last_call: float | None = None


@dataclass(slots=True)
class Refusal:
    """Twilio refused a notifier key for good; `line` is told elsewhere at the next tick."""

    key: str  # "sms:+15551234567" or "call:+15551234567"
    line: str
    told: bool = False


@dataclass(slots=True)
class PhoneMemory:
    """What the phone remembers between ticks and across restarts."""

    first_read: float | None = None  # the first tick that read replies: nothing older counts
    seen: dict[str, float] = field(default_factory=dict)  # reply SID -> when it was acted on
    acks: dict[str, float] = field(default_factory=dict)  # condition key -> its incident's since
    mutes: dict[str, float] = field(default_factory=dict)  # kind -> until
    replies: list[float] = field(default_factory=list)  # replies sent in the last hour
    incidents: dict[str, Incident] = field(default_factory=dict)
    call_times: list[float] = field(default_factory=list)  # calls made in the last hour
    refusals: list[Refusal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, data: Any) -> PhoneMemory:
        """The part as saved; raises TypeError, KeyError or ValueError where it is damaged."""
        if not isinstance(data, dict):
            raise TypeError(f"not a JSON object but {type(data).__name__}")
        return cls(
            first_read=_number_or_none(data.get("first_read")),
            seen={str(k): _number(v) for k, v in data.get("seen", {}).items()},
            acks={str(k): _number(v) for k, v in data.get("acks", {}).items()},
            mutes={str(k): _number(v) for k, v in data.get("mutes", {}).items()},
            replies=[_number(t) for t in data.get("replies", [])],
            incidents={str(k): _incident(v) for k, v in data.get("incidents", {}).items()},
            call_times=[_number(t) for t in data.get("call_times", [])],
            refusals=[_refusal(r) for r in data.get("refusals", [])],
        )

    @classmethod
    def from_json(cls, data: Any) -> PhoneMemory:
        """The part as saved. A damaged one is dropped with a warning: the fresh memory that
        replaces it acts on no reply sent before this run started (Replies.poll), so a lost
        SID list never replays old commands."""
        if not data:
            return cls()
        try:
            return cls.parse(data)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            log.warning("state file: phone part dropped (%s); replies sent before this run "
                        "started are never acted on", exc)
            return cls()

    def forget_old(self, now: float) -> None:
        """Drop what no rule needs any more: SIDs after 48 h, caps' times after an hour."""
        self.seen = {sid: t for sid, t in self.seen.items() if now - SEEN_FOR < t <= now + HOUR}
        self.replies = [t for t in self.replies if now - HOUR < t <= now + HOUR]
        self.call_times = [t for t in self.call_times if now - HOUR < t <= now + HOUR]
        self.mutes = {kind: until for kind, until in self.mutes.items() if until > now}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"expected a number, not {value!r}")
    return float(value)


def _number_or_none(value: Any) -> float | None:
    return None if value is None else _number(value)


def _incident(value: Any) -> Incident:
    calls = value.get("calls", 0)
    if isinstance(calls, bool) or not isinstance(calls, int):
        raise TypeError("incident calls is not an integer")
    return Incident(since=_number(value["since"]), told=_number(value["told"]), calls=calls,
                    last_call=_number_or_none(value.get("last_call")))


def _refusal(value: Any) -> Refusal:
    key, line, told = value["key"], value["line"], value.get("told", False)
    if not (isinstance(key, str) and isinstance(line, str) and isinstance(told, bool)):
        raise TypeError("refusal fields have the wrong types")
    return Refusal(key, line, told)


def check_phone_part(raw: Any) -> dict[str, Any]:
    """The state file's check of the phone part: the part as it is, or an exception if damaged."""
    PhoneMemory.parse(raw)
    return raw
