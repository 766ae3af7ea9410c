"""Peers rule: which known peers are silent, back or forgotten, and whether this host is the one
that texts about them (interface.md section 10). Pure: the heartbeats seen, the remembered
peers, the config and the sample's time in; lines, Alertmanager states and new memory out."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

from ttalertd.alert import PEER_KIND, Alert
from ttalertd.config.records import Config
from ttalertd.read.reading import PeerHeartbeat
from ttalertd.state.peers import Peer, PeerMemory

LocalTime = Callable[[float], time.struct_time]
MAX_KNOWN = 1000  # peers remembered at most, so that the state file stays small


@dataclass(slots=True, frozen=True)
class PeerVerdict:
    lines: tuple[Alert, ...]  # this tick's peer lines, whoever tells them
    told: tuple[Alert, ...]  # those this host texts: it is the lowest live name but theirs
    firing: tuple[Alert, ...]  # a TTAlertPeerSilent condition per silent peer
    resolved: tuple[Alert, ...]  # peers back (or forgotten) this tick
    memory: PeerMemory


def check_peers(seen: tuple[PeerHeartbeat, ...] | None, memory: PeerMemory, config: Config, *,
                host: str, now: float, local: LocalTime) -> PeerVerdict:
    """One tick. `seen` is the union of the Alertmanagers' answers, None when none answered:
    then nothing changes (no heartbeat seen is no news about anyone)."""
    memory = copy.deepcopy(memory)
    if seen is None:
        return PeerVerdict((), (), _firing(memory, local), (), memory)
    live = {hb.instance: hb for hb in seen if hb.instance != host}
    lines: list[Alert] = []
    resolved: list[Alert] = []
    for name, heartbeat in live.items():
        peer = memory.hosts.get(name)
        if peer is not None and peer.silent_since is not None:
            minutes = int(max(0.0, now - peer.last_seen) // 60)
            back = _alert(name, f"peer {name} back after {minutes} min", peer.silent_since,
                          recovery=True)
            lines.append(back)
            resolved.append(back)
        memory.hosts[name] = Peer(last_seen=now, stopping=heartbeat.stopping)
    forget_after = config.peer_forget_hours * 3600.0
    for name, peer in sorted(memory.hosts.items()):
        if name in live:
            continue
        if now - peer.last_seen >= forget_after:
            del memory.hosts[name]
            gone = _alert(name, f"peer {name} no longer watched (silent "
                          f"{config.peer_forget_hours:g} h)", peer.silent_since or now,
                          recovery=True)
            lines.append(gone)
            resolved.append(gone)
        elif peer.silent_since is None:  # absent from every answer: its heartbeat ran out
            peer.silent_since = now
            lines.append(_alert(name, _silent_text(name, peer, local), now))
    if len(memory.hosts) > MAX_KNOWN:  # made-up names by the thousand: the oldest go unsaid
        for name in sorted(memory.hosts, key=lambda n: memory.hosts[n].last_seen)[:-MAX_KNOWN]:
            del memory.hosts[name]
    # a stopping host's heartbeat lives on through its grace: it must not be the one to tell;
    # nor is the peer a line is about (a host back from the dead does not know it was missed)
    candidates = {host, *(name for name, hb in live.items() if not hb.stopping)}
    told = tuple(line for line in lines
                 if min(candidates - {_subject(line)}) == host)
    return PeerVerdict(tuple(lines), told, _firing(memory, local), tuple(resolved), memory)


def _subject(line: Alert) -> str:
    return line.key.removeprefix("peer:")


def _silent_text(name: str, peer: Peer, local: LocalTime) -> str:
    since = time.strftime("%H:%M", local(peer.last_seen))
    return f"peer {name} silent since {since}" + (" (stopped cleanly)" if peer.stopping else "")


def _alert(name: str, text: str, starts: float, *, recovery: bool = False) -> Alert:
    # instance is the silent host, so the identical alerts of every survivor are one alert
    return Alert(PEER_KIND, text, f"peer:{name}", recovery=recovery,
                 labels=(("instance", name),), starts_at=starts)


def _firing(memory: PeerMemory, local: LocalTime) -> tuple[Alert, ...]:
    return tuple(_alert(name, _silent_text(name, peer, local), peer.silent_since)
                 for name, peer in sorted(memory.hosts.items()) if peer.silent_since is not None)
