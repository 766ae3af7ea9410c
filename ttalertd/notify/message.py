"""Message: all alerts of one tick composed into one text, host name first."""

from __future__ import annotations

from dataclasses import dataclass, field

from ttalertd.rules.alert import Alert

MAX_MESSAGE_CHARS = 1600  # Twilio's limit for one message body


@dataclass(slots=True, frozen=True)
class Message:
    """All alerts of one tick, composed: the host name, then one line per alert."""

    host: str
    text: str  # the whole message, host name first, at most 1600 characters
    alerts: tuple[Alert, ...] = field(default_factory=tuple)
    created: float = 0.0  # epoch seconds on the clock that rate limiting uses


def compose(host: str, lines: list[str], limit: int = MAX_MESSAGE_CHARS,
            footer: str | None = None) -> str:
    """The host name, one line per alert, then `footer` (kept whatever is cut); a text over
    `limit` keeps the lines that fit and ends with "(+N more)" naming how many were left out."""
    tail = [footer] if footer else []
    text = "\n".join([host, *lines, *tail])
    if len(text) <= limit:
        return text
    kept = [host]
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1  # lines still after this one, if it is kept
        marker = [f"(+{rest} more)"] if rest else []
        if len("\n".join([*kept, line, *tail, *marker])) > limit:
            break
        kept.append(line)
    marker = f"(+{len(lines) - len(kept) + 1} more)"
    head = "\n".join([*kept, *tail])
    if len(head) + 1 + len(marker) > limit:
        # the host name and footer alone are too long: cut the text itself
        head = head[: max(limit - len(marker) - 1, 0)]
    return f"{head}\n{marker}" if head else marker
