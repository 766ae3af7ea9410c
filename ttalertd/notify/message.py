"""What notifiers know: a Message (the host name, then one line per alert) and AlertState (one
alert as Alertmanager is told it). Neither knows the rules' Verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ttalertd.alert import CONDITION_KINDS, Alert
from ttalertd.untrusted import printable

MAX_MESSAGE_CHARS = 1600  # Twilio's limit for one message body
# event lines come first, in this order, so that a cut drops conditions before events
EVENT_ORDER = ("reboot", "peer", "notifier", "login", "logout")
BURST = 4  # this many logins (or logouts) of one user from one host in one tick are one line


@dataclass(slots=True, frozen=True)
class AlertState:
    """One alert as Alertmanager gets it: posted, kept and merged like any message."""

    key: str  # identity: a condition's later state replaces its kept one; events are all kept
    event: bool  # told once (a login, a reboot), never replaced by a later state
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]  # summary first
    starts_at: float  # epoch seconds
    ends_at: float

    @property
    def summary(self) -> str:
        return dict(self.annotations).get("summary", "")


@dataclass(slots=True, frozen=True)
class Message:
    """What one delivery tells one notifier: the host name, then one line per alert."""

    host: str
    text: str  # the whole message, host name first, at most 1600 characters (cut if longer)
    alerts: tuple[Alert, ...] = field(default_factory=tuple)  # every alert, those cut included
    created: float = 0.0  # epoch seconds on the clock that rate limiting uses
    states: tuple[AlertState, ...] = field(default_factory=tuple)  # for Alertmanager
    # every line after the host name, uncut (a "held since 14:02:" header included): what a
    # rendering of its own (an SMS's segments) cuts to its own budget
    lines: tuple[str, ...] = field(default_factory=tuple)

    def body_lines(self) -> tuple[str, ...]:
        """The lines after the host name: `lines`, or the text's own where none were given."""
        return self.lines or tuple(self.text.split("\n")[1:])


def ordered_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Event alerts (reboot, peer, notifier, login, logout) before condition alerts (load, cpu,
    memory, swap, disk, their recoveries too); the order within a kind is kept."""
    return sorted(alerts, key=_rank)


def _rank(alert: Alert) -> int:
    if alert.kind in CONDITION_KINDS:
        return len(EVENT_ORDER) + 1
    if alert.kind in EVENT_ORDER:
        return EVENT_ORDER.index(alert.kind)
    return len(EVENT_ORDER)  # an event kind this module does not know: after the known ones


def message_lines(alerts: Iterable[Alert]) -> list[str]:
    """One line per alert, in order, except that BURST or more logins of one user from one host
    in one tick (local ones: one user, no host) are one line, and logouts likewise."""
    alerts = list(alerts)
    sizes = Counter(key for key in map(_burst_key, alerts) if key is not None)
    lines: list[str] = []
    told: set[tuple[str, str, str, float]] = set()
    for alert in alerts:
        key = _burst_key(alert)
        if key is None or sizes[key] < BURST:
            lines.append(printable(alert.text))
        elif key not in told:
            told.add(key)
            lines.append(burst_line(key[0], key[1], key[2], sizes[key]))
    return lines


def burst_line(kind: str, user: str, host: str, count: int) -> str:
    """`alice logged on 200 times from 203.0.113.9`, `bob logged off 5 times` (local)."""
    verb = "logged off" if kind == "logout" else "logged on"
    where = f" from {printable(host)}" if host else ""
    return f"{printable(user)} {verb} {count} times{where}"


def _burst_key(alert: Alert) -> tuple[str, str, str, float] | None:
    """(kind, user, host, tick) of a login or logout; a tick is its sample time, so that held
    and merged lines of several ticks never make one burst."""
    if alert.kind not in ("login", "logout") or alert.recovery:
        return None
    labels = dict(alert.labels)
    if "user" not in labels:
        return None  # an alert kept by an older version: told as it is
    return alert.kind, labels["user"], labels.get("remote_host", ""), alert.starts_at


def compose(host: str, lines: list[str], limit: int = MAX_MESSAGE_CHARS,
            footer: str | None = None) -> str:
    """The host name, one line per alert, then `footer` (kept whatever is cut); a text over
    `limit` keeps the lines that fit and ends with "(+N more)" naming how many were left out."""
    return fit(host, lines, limit, footer)[0]


def fit(host: str, lines: list[str], limit: int = MAX_MESSAGE_CHARS,
        footer: str | None = None) -> tuple[str, list[str]]:
    """compose()'s text, and the lines it cut (whole, for the log)."""
    # the last guard: whatever a line holds, the message keeps one alert per line
    host, lines = printable(host), [printable(line) for line in lines]
    tail = [printable(footer)] if footer else []
    whole = "\n".join([host, *lines, *tail])
    if len(whole) <= limit:
        return whole, []
    kept = [host]
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1  # lines still after this one, if it is kept
        after = [f"(+{rest} more)"] if rest else []
        if len("\n".join([*kept, line, *tail, *after])) > limit:
            break
        kept.append(line)
    cut = lines[len(kept) - 1:]
    marker = f"(+{len(cut)} more)"
    head = "\n".join([*kept, *tail])
    if len(head) + 1 + len(marker) > limit:
        # the host name and footer alone are too long: cut the text itself
        head = head[: max(limit - len(marker) - 1, 0)]
    return (f"{head}\n{marker}" if head else marker), cut
