"""Phone numbers as logs and messages may show them."""

from __future__ import annotations


def mask(number: str) -> str:
    """`+15551234567` -> `+1555...4567`: a number that must not be shown whole."""
    if len(number) <= 9:
        return number[:2] + "..." + number[-2:] if len(number) > 4 else "..."
    return f"{number[:5]}...{number[-4:]}"
