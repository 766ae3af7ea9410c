"""The remember step: memory.json, written atomically, moved aside when corrupt."""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from ttalertd.alerts import Alert
from ttalertd.memory import AlertMemory, Condition

log = logging.getLogger(__name__)


@dataclass(slots=True)
class State:
    """Everything memory.json holds: the rules' memory and each notifier's undelivered posts."""

    memory: AlertMemory = field(default_factory=AlertMemory)
    outbox: dict[str, Any] = field(default_factory=dict)  # delivery.Outbox as JSON
    alertmanager: dict[str, Any] = field(default_factory=dict)  # Alertmanager's kept posts
    existed: bool = False  # read from a file, rather than fresh


def load_state(path: str) -> State:
    """The state in `path`; a fresh one when it is missing, corrupt or unreadable (never raises)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return State()
    except OSError as exc:
        log.warning("state file %s unreadable (%s): starting from a fresh state", path, exc)
        return State()
    try:
        data = json.loads(raw)
        memory = AlertMemory.from_json(data["memory"])
        _check_memory(memory)
        return State(
            memory=memory,
            outbox=dict(data.get("outbox") or {}),
            alertmanager=dict(data.get("alertmanager") or {}),
            existed=True,
        )
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        aside = f"{path}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
        try:
            os.replace(path, aside)
            where = f"moved to {aside}"
        except OSError as move_exc:
            where = f"could not be moved aside: {move_exc}"
        log.warning("state file %s is corrupt (%s); %s; starting from a fresh state",
                    path, exc, where)
        return State()


def _check_memory(memory: AlertMemory) -> None:
    """Raise TypeError where a value has the wrong type: the rules would fail on it every tick."""
    if memory.boot_id is not None and not isinstance(memory.boot_id, str):
        raise TypeError("boot_id is not a string")
    for key, cond in memory.conditions.items():
        _check_condition(key, cond)
    for streak in memory.cpu_streaks.values():
        _require(all(math.isfinite(v) for v in streak), "cpu_streaks", "finite numbers")
    for held in memory.held:
        _check_held(held)


def _check_condition(key: str, cond: Condition) -> None:
    where = f"condition {key!r}"
    _require(isinstance(cond.kind, str) and isinstance(cond.text, str), where, "kind, text strings")
    _require(_is_int(cond.streak) and _is_number(cond.since), where, "streak, since numbers")
    _require(isinstance(cond.firing, bool) and isinstance(cond.told, bool), where, "flags bools")
    _require(cond.level is None or _is_number(cond.level), where, "level a number")
    _require(cond.pid is None or _is_int(cond.pid), where, "pid an integer")
    _require(isinstance(cond.labels, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in cond.labels.items()),
        where, "labels strings")


def _check_held(held: dict[str, Any]) -> None:
    # a held alert is restored as Alert(**held) when quiet hours end
    _require(set(held) <= set(Alert.__slots__), "held alert", "Alert fields only")
    _require(all(isinstance(held.get(k), str) for k in ("kind", "text", "key")),
             "held alert", "kind, text, key strings")
    _require(isinstance(held.get("recovery", False), bool), "held alert", "recovery a bool")
    _require(_is_number(held.get("starts_at", 0.0)), "held alert", "starts_at a number")
    labels = held.get("labels", [])
    _require(isinstance(labels, list | tuple) and all(
        isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(s, str) for s in p)
        for p in labels), "held alert", "labels string pairs")


def _require(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise TypeError(f"{where}: expected {what}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def save_state(path: str, state: State) -> bool:
    """Write atomically (temp file in the same directory, fsync, rename); False, logged, on failure."""
    doc = {"memory": state.memory.to_json(), "outbox": state.outbox,
           "alertmanager": state.alertmanager}
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".memory-", suffix=".tmp", dir=directory)
    except OSError as exc:
        log.error("cannot save state to %s: %s (alerting goes on from memory)", path, exc)
        return False
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        log.error("cannot save state to %s: %s (alerting goes on from memory)", path, exc)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True
