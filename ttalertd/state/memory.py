"""AlertMemory: what the rules remember between ticks, as plain data that round-trips through
JSON."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ttalertd.alert import alert_from_json

SessionKey = tuple[str, str, str]  # (user, line, host): a session's identity


@dataclass(slots=True)
class Condition:
    """A load, CPU, memory, swap or disk condition that is over its limit, or was alerted and not
    yet recovered."""

    kind: str
    streak: int = 0  # consecutive ticks over the limit
    since: float = 0.0  # sample time of the first of those ticks (Alertmanager's startsAt)
    firing: bool = False  # alerted and not yet recovered
    told: bool = False  # its line went out since the last reset
    level: float | None = None  # load: the figure last alerted, so only a higher one alerts again
    pid: int | None = None  # cpu: the process alerted about, for its recovery line
    start: int | None = None  # cpu: that process's start time (clock ticks after boot)
    text: str = ""  # the last alert line (Alertmanager's summary)
    labels: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Condition:
        clone = copy.copy(self)
        clone.labels = dict(self.labels)
        return clone


_IMMUTABLE = (int, float, str, type(None))


@dataclass(slots=True)
class AlertMemory:
    """Remembered state of the evaluate step; the tick count lives here too."""

    sessions: list[SessionKey] | None = None  # None: no baseline yet
    conditions: dict[str, Condition] = field(default_factory=dict)
    # consecutive ticks each pid was over CPU_LIMIT, when that began, and the process's start
    # time (a reused pid is another process): pid -> [streak, since, start]
    cpu_streaks: dict[int, list[float]] = field(default_factory=dict)
    ticks_since_reset: int = 0
    tick: int = 0  # every tick ever, for delivery backoff
    boot_id: str | None = None
    held: list[dict[str, Any]] = field(default_factory=list)  # alerts held during quiet hours
    last_tick: float | None = None  # sample time of the last evaluated tick, for the reboot line
    stopped: float | None = None  # when the last run stopped cleanly; None: not (yet) stopped

    def copy(self) -> AlertMemory:
        """What copy.deepcopy gives, 20 times faster: the evaluate step copies the memory every
        tick, and a backtest runs 10,080 ticks for a week."""
        clone = object.__new__(AlertMemory)
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if name == "sessions":
                value = None if value is None else list(value)  # tuples of strings
            elif name == "conditions":
                value = {key: cond.copy() for key, cond in value.items()}
            elif name == "cpu_streaks":
                value = {pid: list(streak) for pid, streak in value.items()}
            elif not isinstance(value, _IMMUTABLE):  # held lines, and any field added later
                value = copy.deepcopy(value)
            setattr(clone, name, value)
        return clone

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sessions"] = None if self.sessions is None else [list(s) for s in self.sessions]
        data["cpu_streaks"] = {str(pid): v for pid, v in self.cpu_streaks.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertMemory:
        """Raises KeyError, TypeError or ValueError on a malformed document."""
        if not isinstance(data, dict):
            raise TypeError("state is not a JSON object")
        sessions = data.get("sessions")
        conditions = data.get("conditions") or {}
        streaks = data.get("cpu_streaks") or {}
        memory = cls(
            sessions=None
            if sessions is None
            else [(str(u), str(line), str(h)) for u, line, h in sessions],
            conditions={str(k): Condition(**v) for k, v in conditions.items()},
            cpu_streaks={int(pid): [float(v) for v in streak] for pid, streak in streaks.items()},
            ticks_since_reset=int(data.get("ticks_since_reset", 0)),
            tick=int(data.get("tick", 0)),
            boot_id=data.get("boot_id"),
            held=[dict(h) for h in data.get("held") or []],
            last_tick=data.get("last_tick"),
            stopped=data.get("stopped"),
        )
        _check_memory(memory)  # a wrong-typed value would fail the rules on every tick
        return memory


def _check_memory(memory: AlertMemory) -> None:
    """Raise TypeError where a value has the wrong type: the rules would fail on it every tick."""
    if memory.boot_id is not None and not isinstance(memory.boot_id, str):
        raise TypeError("boot_id is not a string")
    for key, cond in memory.conditions.items():
        _check_condition(key, cond)
    for streak in memory.cpu_streaks.values():
        _require(len(streak) in (2, 3) and all(math.isfinite(v) for v in streak),
                 "cpu_streaks", "2 or 3 finite numbers")
    for name in ("last_tick", "stopped"):
        value = getattr(memory, name)
        _require(value is None or _is_number(value), name, "a number")
    for held in memory.held:
        check_held(held)


def _check_condition(key: str, cond: Condition) -> None:
    where = f"condition {key!r}"
    _require(isinstance(cond.kind, str) and isinstance(cond.text, str), where, "kind, text strings")
    _require(_is_int(cond.streak) and _is_number(cond.since), where, "streak, since numbers")
    _require(isinstance(cond.firing, bool) and isinstance(cond.told, bool), where, "flags bools")
    _require(cond.level is None or _is_number(cond.level), where, "level a number")
    _require(cond.pid is None or _is_int(cond.pid), where, "pid an integer")
    _require(cond.start is None or _is_int(cond.start), where, "start an integer")
    _require(isinstance(cond.labels, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in cond.labels.items()),
        where, "labels strings")


def check_held(held: dict[str, Any]) -> None:
    """Raise TypeError unless `held` is one held alert line as the Alert codec reads it."""
    _require(isinstance(held, dict) and alert_from_json(held) is not None, "held alert",
             "kind, text, key strings; recovery a bool; labels string pairs; starts_at a number")


def _require(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise TypeError(f"{where}: expected {what}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_FIELD_NAMES = tuple(f.name for f in fields(AlertMemory))
