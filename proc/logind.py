"""systemd-logind's session files (run/systemd/sessions/*), read where there is no utmp."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from proc._io import _or_skip, _read_or_skip
from proc._text import decode
from proc.utmp import Session

log = logging.getLogger("proc.logind")


def parse_session_file(data: bytes) -> dict[str, str]:
    """KEY=VALUE lines (logind writes them unquoted); other lines are ignored."""
    values = {}
    # split the bytes at newlines only: str.splitlines would also split a value at U+2028, \x1c...
    for raw in data.split(b"\n"):
        key, sep, value = decode(raw).partition("=")
        if sep and key and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def session_from_values(values: dict[str, str], name: str = "?") -> Session | None:
    """A Session for a CLASS=user session; None (with a warning for a bad one) otherwise."""
    if values.get("CLASS") != "user":
        return None  # manager, greeter, background, lock-screen
    user = values.get("USER", "")
    try:
        leader = int(values.get("LEADER", "0") or 0)
        realtime_us = int(values["REALTIME"])  # microseconds since the epoch
        since = datetime.fromtimestamp(realtime_us // 1_000_000, UTC).replace(
            microsecond=realtime_us % 1_000_000
        )
    except (KeyError, ValueError, OverflowError, OSError):
        log.warning("logind session %r: missing or bad LEADER/REALTIME, skipped", name)
        return None
    if not user:
        log.warning("logind session %r: no USER, skipped", name)
        return None
    return Session(user, values.get("TTY") or "-", values.get("REMOTE_HOST", ""), leader, since)


def read_logind_sessions(directory: str) -> list[Session]:
    """User sessions of a logind sessions directory, oldest first; a missing directory gives []."""
    entries = _or_skip(lambda: list(os.scandir(directory)))
    if entries is None:
        return []
    sessions = []
    for entry in entries:
        # skip the *.ref FIFOs beside the session files: opening one would block
        if entry.name.endswith(".ref") or not entry.is_file(follow_symlinks=False):
            continue
        data = _read_or_skip(entry.path)
        if data is None:
            continue
        session = session_from_values(parse_session_file(data), entry.name)
        if session is not None:
            sessions.append((session.since, entry.name, session))
    sessions.sort(key=lambda item: (item[0], item[1]))
    return [session for _, _, session in sessions]
