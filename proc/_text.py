"""Text of fields a local user writes (comm, cmdline, utmp, logind, mount points) as str."""

from __future__ import annotations

# surrogateescape gives each undecodable byte its own lone surrogate U+DC80..U+DCFF
_ESCAPED_BYTES = {code: 0xFFFD for code in range(0xDC80, 0xDD00)}


def decode(raw: bytes) -> str:
    """UTF-8, where each byte that is not valid UTF-8 becomes one U+FFFD (never a lone surrogate,
    which no output could encode, and never one U+FFFD for several bytes, as "replace" gives)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape").translate(_ESCAPED_BYTES)
