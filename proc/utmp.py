"""utmp (/var/run/utmp) in glibc's binary record layout: USER_PROCESS records become sessions."""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from proc._io import read_file

log = logging.getLogger("proc.utmp")

USER_PROCESS = 7

# type, pad, pid, line[32], id[4], user[32], host[256], exit(2 shorts), session, tv_sec, tv_usec,
# addr_v6[4], unused[20]; x86_64 and 32-bit ABIs keep session and tv 32-bit (384 bytes)
UTMP_32 = struct.Struct("=h2xi32s4s32s256shhiii4i20s")
# aarch64: session and tv are 64-bit, and the record is padded to 400 bytes
UTMP_64 = struct.Struct("=h2xi32s4s32s256shhqqq4i20s4x")


@dataclass(slots=True, frozen=True)
class Session:
    user: str
    line: str
    host: str  # "" for a local login
    pid: int
    since: datetime  # login time, tz-aware UTC


def utmp_layout(machine: str | None = None) -> struct.Struct:
    """The record layout glibc uses on this (or the named) machine."""
    machine = (machine if machine is not None else os.uname().machine).lower()  # not platform: 1 ms
    return UTMP_64 if machine in ("aarch64", "arm64") else UTMP_32


def _field(raw: bytes) -> str:
    """A char array: cut at the first NUL (a full field has none)."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def parse_utmp(data: bytes, machine: str | None = None) -> list[Session]:
    """USER_PROCESS records with a non-empty user, in file order."""
    layout = utmp_layout(machine)
    whole = len(data) - len(data) % layout.size
    if whole < len(data):
        log.warning("utmp: short trailing record of %d bytes ignored", len(data) - whole)
    sessions = []
    for offset in range(0, whole, layout.size):
        rtype, pid, line, _id, user, host, _term, _exit, _sess, sec, usec, *_ = layout.unpack_from(
            data, offset
        )
        if rtype != USER_PROCESS or not _field(user):
            continue
        try:
            since = datetime.fromtimestamp(sec, UTC)
            if 0 <= usec < 1_000_000:
                since = since.replace(microsecond=usec)
        except (OverflowError, OSError, ValueError):
            log.warning("utmp record at byte %d: bad login time %r, skipped", offset, sec)
            continue
        sessions.append(Session(_field(user), _field(line), _field(host), pid, since))
    return sessions


def read_utmp(path: str) -> list[Session]:
    """The sessions of a utmp file, as `who FILE` lists them."""
    return parse_utmp(read_file(path))

