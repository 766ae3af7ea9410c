"""What can be read of a corrupt memory.json: its kept messages, logged in full before it is
moved."""

from __future__ import annotations

import json
import logging
import re

log = logging.getLogger("ttalertd.state.store")

# the outbox's list of entries, wherever it starts; a quote inside a JSON string is escaped
_OUTBOX = re.compile(r'(?<!\\)"outbox"\s*:\s*\{')
_LIST = {name: re.compile(rf'(?<!\\)"{name}"\s*:\s*\[') for name in ("entries", "held")}
_SEPARATOR = re.compile(r"\s*,?\s*")


def _items(text: str, start: int, name: str) -> list[object]:
    """The items of the outbox's list `name` that read whole, up to where the file breaks."""
    match = _LIST[name].search(text, start)
    if match is None:
        return []
    items: list[object] = []
    decoder, position = json.JSONDecoder(), match.end()
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        try:
            item, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return items  # the list ends, or the file breaks here
        items.append(item)


def kept_messages(raw: bytes) -> list[tuple[str, str]]:
    """(notifier key, text) of every kept message and held line of the outbox that reads whole."""
    text = raw.decode("utf-8", "replace")
    outbox = _OUTBOX.search(text)
    if outbox is None:
        return []
    found: list[tuple[str, str]] = []
    for entry in _items(text, outbox.end(), "entries"):
        if isinstance(entry, dict) and isinstance(entry.get("text"), str):
            key = entry.get("key")
            found.append((key if isinstance(key, str) else "?", entry["text"]))
    for line in _items(text, outbox.end(), "held"):  # lines the rate limit holds back
        alert = line.get("alert") if isinstance(line, dict) else None
        if isinstance(alert, dict) and isinstance(alert.get("text"), str):
            found.append(("every notifier (a held line)", alert["text"]))
    return found


def log_kept_messages(path: str, raw: bytes) -> int:
    """Log each kept message of a corrupt state file in full; how many there were."""
    messages = kept_messages(raw)
    for key, text in messages:
        log.error("state file %s is corrupt: its kept message for %s was not delivered: %s",
                  path, key, " / ".join(text.splitlines()))
    return len(messages)
