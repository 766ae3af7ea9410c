"""PeerMemory: the fleet's hosts this one has seen and when (memory.json's `peers` part)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Peer:
    """Another watching host, known from its TTAlertHeartbeat."""

    last_seen: float  # sample time of the last tick whose answers held its heartbeat
    stopping: bool = False  # that heartbeat said it was stopping: a planned absence
    silent_since: float | None = None  # sample time of the tick that found it silent; None: live


@dataclass(slots=True)
class PeerMemory:
    """Every known peer, by host name."""

    hosts: dict[str, Peer] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"hosts": {name: asdict(peer) for name, peer in self.hosts.items()}}

    @classmethod
    def from_json(cls, data: Any) -> PeerMemory:
        """The part as saved ({} for none); TypeError, KeyError or ValueError when damaged."""
        if not data:
            return cls()
        hosts = data["hosts"]
        if not isinstance(hosts, dict):
            raise TypeError("hosts is not an object")
        return cls({str(name): _peer(raw) for name, raw in hosts.items()})


def peers_part(data: Any) -> dict[str, Any]:
    """The state file's check of the `peers` part (state.store.PARTS): raises when damaged."""
    if not isinstance(data, dict):
        raise TypeError(f"peers is {type(data).__name__}, not an object")
    PeerMemory.from_json(data)
    return data


def _peer(raw: Any) -> Peer:
    if not isinstance(raw, dict) or set(raw) - set(Peer.__slots__):
        raise TypeError("a peer is not an object of last_seen, stopping, silent_since")
    peer = Peer(**raw)
    if not _is_time(peer.last_seen) or not isinstance(peer.stopping, bool):
        raise TypeError("a peer's last_seen or stopping has the wrong type")
    if peer.silent_since is not None and not _is_time(peer.silent_since):
        raise TypeError("a peer's silent_since has the wrong type")
    return peer


def _is_time(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
