"""What can be read of a corrupt memory.json: its kept messages, logged in full before it is moved."""

from __future__ import annotations

import json
import logging
import re

log = logging.getLogger("ttalertd.state.store")

# the outbox's list of entries, wherever it starts; a quote inside a JSON string is escaped
_OUTBOX = re.compile(r'(?<!\\)"outbox"\s*:\s*\{')
_ENTRIES = re.compile(r'(?<!\\)"entries"\s*:\s*\[')
_SEPARATOR = re.compile(r"\s*,?\s*")


def kept_messages(raw: bytes) -> list[tuple[str, str]]:
    """(notifier key, text) of every outbox entry that reads whole, up to where the file breaks."""
    text = raw.decode("utf-8", "replace")
    outbox = _OUTBOX.search(text)
    match = None if outbox is None else _ENTRIES.search(text, outbox.end())
    if match is None:
        return []
    decoder = json.JSONDecoder()
    found: list[tuple[str, str]] = []
    position = match.end()
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        try:
            entry, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return found  # the list ends, or the file breaks here
        if isinstance(entry, dict) and isinstance(entry.get("text"), str):
            key = entry.get("key")
            found.append((key if isinstance(key, str) else "?", entry["text"]))


def log_kept_messages(path: str, raw: bytes) -> int:
    """Log each kept message of a corrupt state file in full; how many there were."""
    messages = kept_messages(raw)
    for key, text in messages:
        log.error("state file %s is corrupt: its kept message for %s was not delivered: %s",
                  path, key, " / ".join(text.splitlines()))
    return len(messages)
