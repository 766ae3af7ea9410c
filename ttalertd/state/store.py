"""The remember step: memory.json, written atomically, moved aside when corrupt."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from ttalertd.state.memory import AlertMemory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class State:
    """Everything memory.json holds: the rules' memory and each notifier's undelivered posts."""

    memory: AlertMemory = field(default_factory=AlertMemory)
    outbox: dict[str, Any] = field(default_factory=dict)  # delivery.Outbox as JSON
    alertmanager: dict[str, Any] = field(default_factory=dict)  # Alertmanager's kept posts
    peers: dict[str, Any] = field(default_factory=dict)  # the fleet's hosts and when last seen
    phone: dict[str, Any] = field(default_factory=dict)  # seen reply SIDs, acks, mutes, calls
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
        return State(
            memory=AlertMemory.from_json(data["memory"]),
            outbox=dict(data.get("outbox") or {}),
            alertmanager=dict(data.get("alertmanager") or {}),
            peers=dict(data.get("peers") or {}),
            phone=dict(data.get("phone") or {}),
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


def save_state(path: str, state: State) -> bool:
    """Write atomically (temp file in the same directory, fsync, rename); False, logged, on failure."""
    doc = {"memory": state.memory.to_json(), "outbox": state.outbox,
           "alertmanager": state.alertmanager, "peers": state.peers, "phone": state.phone}
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
