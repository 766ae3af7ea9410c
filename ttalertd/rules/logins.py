"""Login rule: every new session and every ended one, identified by (user, line, host)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.state.memory import AlertMemory, SessionKey
from ttalertd.untrusted import printable

if TYPE_CHECKING:  # annotations only: the rules never load the readers
    import proc


def session_key(session: proc.Session) -> SessionKey:
    return (session.user, session.line, session.host)


def check_logins(sessions: tuple[proc.Session, ...] | None, memory: AlertMemory,
                 config: Config, now: float) -> list[Alert]:
    if sessions is None:
        return []  # unreadable sessions say nothing about who left
    current = list(dict.fromkeys(session_key(s) for s in sessions))  # file order, no repeats
    known = memory.sessions
    memory.sessions = current
    if known is None:
        return []  # the baseline: who is already logged in is not news
    alerts = []
    known_set, current_set = set(known), set(current)
    for user, line, host in current:
        if (user, line, host) not in known_set and not _trusted(config, user, host):
            alerts.append(_event("login", user, line, host, now))
    for user, line, host in known:
        if (user, line, host) not in current_set and not _trusted(config, user, host):
            alerts.append(_event("logout", user, line, host, now))
    return alerts


def _trusted(config: Config, user: str, host: str) -> bool:
    return any(rule.matches(user, host) for rule in config.trusted_logins)


def session_line(kind: str, user: str, line: str, host: str) -> str:
    """"alice logged on pts/0 from 10.0.0.5", "bob logged on tty1", "alice logged off pts/0"."""
    if kind == "logout":
        return f"{user} logged off {line}"
    return f"{user} logged on {line}" + (f" from {host}" if host else "")


def _event(kind: str, user: str, line: str, host: str, now: float) -> Alert:
    # every field is the user's own writing: one line, no control characters (section 6)
    shown = (printable(user), printable(line), printable(host))
    labels = [("user", shown[0]), ("line", shown[1])]
    if host:
        labels.append(("remote_host", shown[2]))
    return Alert(kind, session_line(kind, *shown), f"{kind}:{user}|{line}|{host}",
                 labels=tuple(labels), starts_at=now)
