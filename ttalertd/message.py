"""Compose one tick's alert lines into the text of one message."""

from __future__ import annotations

MAX_MESSAGE_CHARS = 1600  # Twilio's limit for one message body


def compose(host: str, lines: list[str], limit: int = MAX_MESSAGE_CHARS) -> str:
    """The host name, then one line per alert; cut to `limit` with "(+N more)" naming what was left out."""
    text = "\n".join([host, *lines])
    if len(text) <= limit:
        return text
    kept: list[str] = [host]
    for index, line in enumerate(lines):
        left_out = len(lines) - index
        tail = f"(+{left_out} more)"
        candidate = "\n".join([*kept, line])
        # the line fits only if the marker for what would still follow fits after it
        rest_after = left_out - 1
        marker_after = f"\n(+{rest_after} more)" if rest_after else ""
        if len(candidate) + len(marker_after) > limit:
            return _cut(kept, tail, limit)
        kept.append(line)
    return "\n".join(kept)  # unreachable: the whole text did not fit


def _cut(kept: list[str], tail: str, limit: int) -> str:
    head = "\n".join(kept)
    room = limit - len(tail) - 1
    if room < len(head):
        # a single line longer than the limit: cut the text itself
        head = head[: max(room, 0)]
    return f"{head}\n{tail}" if head else tail
