"""Commands by text (interface.md section 11): parse a reply's body, act on it, word the answer.

Pure: the phone memory, the tick's reading and the firing conditions in; the reply text out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ttalertd.phone.sms_text import fit_fields, one_segment
from ttalertd.state.phone import PhoneMemory

if TYPE_CHECKING:  # annotations only
    from ttalertd.read.reading import Reading

COMMANDS = ("status", "ack", "mute", "unmute", "?", "commands")
# Twilio answers these itself (opt-out and help); they are never ours
TWILIO_KEYWORDS = frozenset({"stop", "start", "unstop", "help", "info", "cancel", "end", "quit",
                             "unsubscribe", "stopall"})
BARE_MUTE_KINDS = ("load", "cpu", "memory", "swap", "disk", "peer")  # what a bare `mute` holds
MUTE_KINDS = (*BARE_MUTE_KINDS, "login")
MAX_MUTE = 7 * 86400.0
DURATION = re.compile(r"^(\d{1,6})([mhd])$")
UNIT = {"m": 60, "h": 3600, "d": 86400}
HELP = ("{host}: status | ack | mute 2h [load cpu memory swap disk peer login] | unmute | ? "
        "- start with a host name for one host")


@dataclass(slots=True, frozen=True)
class Command:
    """One command for this host: its name (`?` for `commands`) and its arguments."""

    name: str  # status, ack, mute, unmute, ?, or "" for anything else
    args: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class Situation:
    """What a command acts on: the tick's reading and the conditions firing now."""

    host: str
    now: float  # the sample clock in a replay, the wall clock live
    reading: Reading | None
    firing: dict[str, float]  # condition key -> its incident's since
    local: Callable[[float], time.struct_time] = time.localtime


def same_host(word: str, host: str) -> bool:
    """Any case; a fully qualified name matches by its first label."""
    return word.split(".", 1)[0].casefold() == host.split(".", 1)[0].casefold()


def parse(body: str, host: str) -> Command | None:
    """The command in `body` for `host`; None when it names another host or is Twilio's keyword."""
    words = body.split()
    if not words:
        return None
    first = words[0].casefold()
    if len(words) > 1 and first not in COMMANDS:
        if not same_host(words[0], host):
            return None  # for another host of the fleet
        words = words[1:]
        first = words[0].casefold()
    if first in TWILIO_KEYWORDS:
        return None
    if first not in COMMANDS:
        return Command("")
    return Command("?" if first == "commands" else first, tuple(w.casefold() for w in words[1:]))


def act(command: Command, memory: PhoneMemory, situation: Situation) -> str:
    """Apply `command` to `memory` (in place) and return the reply, one SMS segment."""
    host = situation.host
    if command.name == "status":
        return status_line(host, situation.reading)
    if command.name == "ack":
        memory.acks.update(situation.firing)
        count = len(situation.firing)
        return f"{host}: acknowledged {count} alerts"
    if command.name == "mute":
        return _mute(command.args, memory, situation)
    if command.name == "unmute":
        memory.mutes.clear()
        return f"{host}: unmuted"
    if command.name == "?":
        return one_segment(HELP.format(host=host))
    return one_segment(f"{host}: unknown command, text ? for the list")


def _mute(args: tuple[str, ...], memory: PhoneMemory, situation: Situation) -> str:
    host = situation.host
    match = DURATION.match(args[0]) if args else None
    seconds = int(match[1]) * UNIT[match[2]] if match else 0
    if not match or seconds <= 0 or seconds > MAX_MUTE:
        return one_segment(f"{host}: mute needs a duration of 7d at most, as in mute 2h or "
                           "mute 45m disk")
    kinds = args[1:] or BARE_MUTE_KINDS
    unknown = [k for k in kinds if k not in MUTE_KINDS]
    if unknown:
        return one_segment(f"{host}: cannot mute {unknown[0]}; kinds: {' '.join(MUTE_KINDS)}")
    until = situation.now + seconds
    for kind in dict.fromkeys(kinds):
        memory.mutes[kind] = until
    when = time.strftime("%H:%M", situation.local(until))
    return one_segment(f"{host}: muted {' '.join(dict.fromkeys(kinds))} until {when}")


def status_line(host: str, reading: Reading | None) -> str:
    """`HOST: load 0.42 0.38 0.30, mem 61% free, disk / 40% free, 2 users, top python3 12%`,
    fields dropped from the right to fit one segment; `?` for what could not be read."""
    fields = [_load(reading), _mem(reading), _disk(reading), _users(reading), _top(reading)]
    return fit_fields(f"{host}: ", fields)


def _load(reading: Reading | None) -> str:
    load = reading.load if reading else None
    if load is None:
        return "load ?"
    return f"load {load.text or f'{load.one:.2f} {load.five:.2f} {load.fifteen:.2f}'}"


def _mem(reading: Reading | None) -> str:
    info = reading.memory if reading else None
    if info is None or info.available_kib is None or info.total_kib <= 0:
        return "mem ? free"
    return f"mem {100.0 * info.available_kib / info.total_kib:.0f}% free"


def _disk(reading: Reading | None) -> str:
    disks = [d for d in reading.disks if d.blocks > 0] if reading else []
    if not disks:
        return "disk ?"
    fullest = min(disks, key=lambda d: d.bavail / d.blocks)
    return f"disk {fullest.mountpoint} {100.0 * fullest.bavail / fullest.blocks:.0f}% free"


def _users(reading: Reading | None) -> str:
    if reading is None or reading.sessions is None:
        return "? users"
    return f"{len(reading.sessions)} users"


def _top(reading: Reading | None) -> str:
    rows = [r for r in reading.top if r.cpu is not None] if reading else []
    if not rows:
        return "top ?"
    return f"top {rows[0].name} {rows[0].cpu:.0f}%"
