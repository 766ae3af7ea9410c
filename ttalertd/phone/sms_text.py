"""Reply texts as one GSM-7 SMS segment (ttalertd.notify.sms counts the septets)."""

from __future__ import annotations

from ttalertd.notify.sms import SINGLE_SEGMENT, septets, to_gsm


def gsm7(text: str) -> str:
    """`text` on one line, every character outside GSM 03.38 as `?`."""
    return to_gsm(text.replace("\n", "?"))


def one_segment(text: str) -> str:
    """GSM-7, cut to one segment (160 septets)."""
    text = gsm7(text)
    while septets(text) > SINGLE_SEGMENT:
        text = text[:-1]
    return text


def fit_fields(head: str, fields: list[str]) -> str:
    """`head` then the fields joined by ", ", dropping fields from the right to fit one segment."""
    head, fields = gsm7(head), [gsm7(f) for f in fields]
    while fields and septets(head + ", ".join(fields)) > SINGLE_SEGMENT:
        fields.pop()
    return one_segment(head + ", ".join(fields))
