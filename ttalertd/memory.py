"""AlertMemory: what the rules remember between ticks, as plain data that round-trips through JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SessionKey = tuple[str, str, str]  # (user, line, host): a session's identity


@dataclass(slots=True)
class Condition:
    """A load, CPU, memory, swap or disk condition that is over its limit, or was alerted and not yet recovered."""

    kind: str
    streak: int = 0  # consecutive ticks over the limit
    since: float = 0.0  # sample time of the first of those ticks (Alertmanager's startsAt)
    firing: bool = False  # alerted and not yet recovered
    told: bool = False  # its line went out since the last reset
    level: float | None = None  # load: the figure last alerted, so only a higher one alerts again
    pid: int | None = None  # cpu: the process alerted about, for its recovery line
    text: str = ""  # the last alert line (Alertmanager's summary)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class AlertMemory:
    """Remembered state of the evaluate step; the tick count lives here too."""

    sessions: list[SessionKey] | None = None  # None: no baseline yet
    conditions: dict[str, Condition] = field(default_factory=dict)
    # consecutive ticks each pid was over CPU_LIMIT, and when that began: pid -> [streak, since]
    cpu_streaks: dict[int, list[float]] = field(default_factory=dict)
    ticks_since_reset: int = 0
    tick: int = 0  # every tick ever, for delivery backoff
    boot_id: str | None = None
    held: list[dict[str, Any]] = field(default_factory=list)  # alerts held during quiet hours

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
        return cls(
            sessions=None
            if sessions is None
            else [(str(u), str(line), str(h)) for u, line, h in sessions],
            conditions={str(k): Condition(**v) for k, v in conditions.items()},
            cpu_streaks={int(pid): [float(s), float(t)] for pid, (s, t) in streaks.items()},
            ticks_since_reset=int(data.get("ticks_since_reset", 0)),
            tick=int(data.get("tick", 0)),
            boot_id=data.get("boot_id"),
            held=[dict(h) for h in data.get("held") or []],
        )
