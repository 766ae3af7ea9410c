"""Text a local user wrote (process names and command lines, utmp and logind fields, mount
points), made fit to show: before it enters a message line, a log line, a webhook body or an
Alertmanager label (interface.md section 6)."""

from __future__ import annotations

# Cc: C0 and C1 controls, DEL, newline, CR, ESC; Cf: bidi overrides and isolates, zero-width
# characters; Zl, Zp: line and paragraph separators; Cs: a lone surrogate no output can encode
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
UNDECODABLE = "\ufffd"  # what proc decodes each byte that is not UTF-8 to


def printable(text: str) -> str:
    """`text` with every character that could start a line, move the cursor or reorder what a
    reader sees, and every undecodable byte, as `?`: one line, shown as written."""
    if text.isascii():
        if text.isprintable():  # the common case: no work
            return text
    elif text.isprintable() and UNDECODABLE not in text:
        return text
    import unicodedata  # only here: most text never needs it, and start-up stays lean

    return "".join("?" if ch == UNDECODABLE or unicodedata.category(ch) in _HIDDEN_CATEGORIES
                   else ch for ch in text)
