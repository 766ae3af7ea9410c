"""An SMS body: GSM-7 only (GSM 03.38), within SMS_MAX_SEGMENTS segments (interface.md 6, 11).

One character outside the GSM 03.38 alphabet turns a whole SMS into UCS-2, which more than
doubles its segments (70 characters a segment instead of 160), and Twilio bills each segment.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ttalertd.notify.message import Message

log = logging.getLogger(__name__)

# GSM 03.38 basic table, 0x00 to 0x7F (0x1B is the escape to the extension table)
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# the extension table's characters: each is sent as escape + one septet, so it counts two
EXTENSION_TABLE = "^{}\\[~]|€"
# what an SMS body may hold: the line break, the printable basic table, the extension table
# (CR, form feed and the escape itself never: a body is lines of text and nothing else)
_SENDABLE = frozenset(BASIC_TABLE) - {"\r", "\x1b"} | frozenset(EXTENSION_TABLE)
_DOUBLE = frozenset(EXTENSION_TABLE)

SINGLE_SEGMENT = 160  # septets of a one-segment SMS
PART_SEGMENT = 153  # septets of each part of a longer one (7 go to the concatenation header)
_MARKER = re.compile(r"\(\+(\d+) more\)")


@dataclass(slots=True, frozen=True)
class SmsBody:
    """An SMS rendering of a message: the body sent, its segment count, the lines it cut."""

    text: str
    segments: int
    cut: tuple[str, ...] = ()  # each line left out, as the message had it


def to_gsm(text: str) -> str:
    """`text` with every character outside GSM 03.38 (basic and extension table) as `?`."""
    if all(ch in _SENDABLE for ch in text):
        return text
    return "".join(ch if ch in _SENDABLE else "?" for ch in text)


def septets(text: str) -> int:
    """Septets of GSM-7 `text`: an extension-table character counts two."""
    return len(text) + sum(1 for ch in text if ch in _DOUBLE)


def segments(text: str) -> int:
    """How many segments `text` takes as a GSM-7 SMS (its non-GSM characters sent as `?`): one
    up to 160 septets, else parts of 153, an extension character never split between two."""
    text = to_gsm(text)
    total = septets(text)
    if total <= SINGLE_SEGMENT:
        return 1
    if total == len(text):  # no extension character: nothing can straddle a boundary
        return -(-total // PART_SEGMENT)
    count, used = 1, 0
    for ch in text:
        width = 2 if ch in _DOUBLE else 1
        if used + width > PART_SEGMENT:  # escape and character stay in one part
            count, used = count + 1, 0
        used += width
    return count


def render(text: str, max_segments: int) -> SmsBody:
    """The SMS of a message `text` (host name first, one line per alert): GSM-7, and cut after
    the last whole line that fits in `max_segments`, ending with "(+N more)". A "(+N more)"
    that `text` already ends with (its 1600-character cut) is counted in the new one."""
    gsm = to_gsm(text)
    count = segments(gsm)
    if count <= max_segments:
        return SmsBody(gsm, count)
    lines, shown = text.split("\n"), gsm.split("\n")
    earlier = 0
    if len(lines) > 1 and (found := _MARKER.fullmatch(lines[-1])):
        earlier, lines, shown = int(found.group(1)), lines[:-1], shown[:-1]
    kept = shown[:1]  # the host name
    for index in range(1, len(shown)):
        after = len(shown) - index - 1 + earlier  # left out if this line is the last kept
        tail = [f"(+{after} more)"] if after else []
        if segments("\n".join([*kept, shown[index], *tail])) > max_segments:
            break
        kept.append(shown[index])
    cut = tuple(lines[len(kept):])
    marker = f"(+{len(cut) + earlier} more)"
    head = "\n".join(kept)
    while head and segments(f"{head}\n{marker}") > max_segments:
        head = head[:-1]  # a host name too long for one segment: cut the text itself
    body = f"{head}\n{marker}" if head else marker
    return SmsBody(body, segments(body), cut)


def message_sms(message: Message, max_segments: int) -> str:
    """The SMS of `message`, rendered from its uncut lines (the 1600-character cut is the
    console's); each line it cut is logged in full at INFO (interface.md section 7)."""
    text = message.text
    if message.lines:
        text = "\n".join([text.split("\n", 1)[0], *message.lines])  # the host name, every line
    body = render(text, max_segments)
    for line in body.cut:
        log.info("cut from the SMS (SMS_MAX_SEGMENTS %d), not in its text: %s", max_segments, line)
    return body.text
