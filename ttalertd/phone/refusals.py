"""Refusals told elsewhere (interface.md section 11): Twilio refused an SMS or a call for good,
so the next message through every other way says so, once, until that number takes one again."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ttalertd.alert import Alert
from ttalertd.config.secrets import mask
from ttalertd.notify.notifier import DeliveryError
from ttalertd.state.phone import PhoneMemory, Refusal

CHANNELS = {"sms": "sms", "call": "call"}  # outbox key prefix -> what the line calls it


def _one_line(text: str) -> str:
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                   for c in text)[:200]


def refusal_line(key: str, error: DeliveryError) -> str | None:
    """`sms to +1555...4567 refused: Twilio 21610 (Twilio's message)`; None for another key."""
    channel, _, number = key.partition(":")
    code, reason = getattr(error, "code", None), getattr(error, "reason", None)
    if channel not in CHANNELS or code is None:
        return None  # not Twilio's answer (a bad api_url, say): nothing Twilio refused
    said = f" ({_one_line(reason)})" if reason else ""
    return f"{CHANNELS[channel]} to {mask(number)} refused: Twilio {code}{said}"


def note(memory: PhoneMemory, refusals: Iterable[tuple[str, DeliveryError]],
         delivered_to: Iterable[str]) -> None:
    """Remember this flush's refusals; a number that took a message again is forgiven."""
    delivered = set(delivered_to)
    memory.refusals = [r for r in memory.refusals if r.key not in delivered]
    for key, error in refusals:
        line = refusal_line(key, error)
        if line is not None and all(r.key != key for r in memory.refusals):
            memory.refusals.append(Refusal(key, line))


def pending(memory: PhoneMemory) -> list[Alert]:
    """The refusal lines not told yet, as alerts of kind `notifier`."""
    return [Alert("notifier", r.line, f"notifier:{r.key}") for r in memory.refusals if not r.told]


def refused_keys(memory: PhoneMemory) -> frozenset[str]:
    """Notifier keys whose refusal is not yet told: they get no refusal-only message."""
    return frozenset(r.key for r in memory.refusals if not r.told)


def mark_told(memory: PhoneMemory) -> None:
    for refusal in memory.refusals:
        refusal.told = True
