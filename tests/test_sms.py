"""The SMS rendering (interface.md sections 6 and 11): GSM-7 only, at most SMS_MAX_SEGMENTS."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ttalertd.notify.message import Message
from ttalertd.notify.sms import (
    BASIC_TABLE,
    EXTENSION_TABLE,
    message_sms,
    render,
    segments,
    septets,
    to_gsm,
)

EXT = EXTENSION_TABLE  # ^ { } \ [ ~ ] | €


def gsm7_encodable(text: str) -> bool:
    return all(ch in BASIC_TABLE or ch in EXT for ch in text)


def test_the_basic_table_is_gsm_03_38():
    assert len(BASIC_TABLE) == 128 == len(set(BASIC_TABLE))
    assert BASIC_TABLE.index("@") == 0 and BASIC_TABLE.index("$") == 2
    assert BASIC_TABLE.index("¤") == 0x24 and BASIC_TABLE.index("A") == 0x41
    assert BASIC_TABLE.index("§") == 0x5F and BASIC_TABLE.index("à") == 0x7F
    assert set(EXT) == set("[]{}|^~\\€")


def test_every_character_outside_gsm_03_38_is_a_question_mark():
    assert to_gsm("cpu 99.5% pid 4242 bob python3: python3 spin.py") == (
        "cpu 99.5% pid 4242 bob python3: python3 spin.py")
    assert to_gsm("Ünïcødé ’quotes’ `tick` 日本 ☃ ß é €") == "Ün?cødé ?quotes? ?tick? ?? ? ß é €"
    assert to_gsm("a\rb\x1bc\x0cd") == "a?b?c?d"  # CR, ESC and form feed are never sent
    assert to_gsm("a\nb") == "a\nb"


@pytest.mark.parametrize(("text", "count"), [
    ("", 1), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("a" * 153 * 3, 3), ("a" * (153 * 3 + 1), 4), ("a" * 1530, 10),
    ("€" * 80, 1), ("€" * 80 + "a", 2), ("a" * 158 + "|", 1), ("a" * 159 + "|", 2),
    # an extension character never straddles two parts: 152 + [2] + 152 is 3 parts, not 2
    ("a" * 152 + "{" + "a" * 151, 2), ("a" * 152 + "{" + "a" * 152, 3),
    ("日" * 70, 1),  # sent as ? after to_gsm: one segment, never UCS-2
])  # fmt: skip
def test_segments_count_septets_in_parts_of_153_after_a_single_160(text, count):
    assert segments(text) == count


def test_an_extension_character_counts_two():
    assert septets("a[b]") == 6 and septets("€") == 2 and septets("") == 0


def message(n: int, width: int = 50) -> str:
    return "\n".join(["web1", *(f"{k:03d} " + "x" * (width - 4) for k in range(n))])


def test_a_message_within_the_budget_is_sent_whole():
    body = render(message(3), 3)
    assert body.text == message(3) and body.segments == 1 and body.cut == ()


def test_what_does_not_fit_is_cut_after_the_last_whole_line():
    text = message(20)  # 20 lines of 50: 1024 septets, 7 segments
    body = render(text, 3)
    lines = body.text.split("\n")
    assert body.segments <= 3 and septets(body.text) <= 3 * 153
    assert lines[:-1] == text.split("\n")[: len(lines) - 1]  # whole lines, in order
    assert lines[-1] == f"(+{len(body.cut)} more)" and len(body.cut) == 21 - (len(lines) - 1)
    assert list(body.cut) == text.split("\n")[len(lines) - 1:]
    # one more line would not have fitted with its marker
    assert segments("\n".join([*lines[:-1], body.cut[0], f"(+{len(body.cut) - 1} more)"])) > 3


@pytest.mark.parametrize("limit", range(1, 11))
def test_every_budget_from_1_to_10_segments_holds(limit):
    body = render(message(60, width=37), limit)
    assert body.segments <= limit and segments(body.text) == body.segments
    assert body.text.endswith(f"\n(+{len(body.cut)} more)")


def test_a_single_segment_message_is_160_septets_at_most():
    body = render("\n".join(["web1", "a" * 155]), 1)  # 4 + 1 + 155 = 160: fits
    assert body.cut == () and septets(body.text) == 160
    body = render("\n".join(["web1", "a" * 156]), 1)  # 161: the line goes
    assert body.text == "web1\n(+1 more)" and body.cut == ("a" * 156,)


def test_extension_characters_at_a_segment_boundary_are_counted_two():
    # host (4) + newline + 150 a's = 155, then "{}" makes 159 septets: one segment ...
    assert render("web1\n" + "a" * 150 + "{}", 1).cut == ()
    # ... and "{}{" 161: two, so a one-segment budget cuts the line
    assert render("web1\n" + "a" * 150 + "{}{", 1).text == "web1\n(+1 more)"


def test_a_line_longer_than_the_whole_budget_is_cut_with_everything_after_it():
    body = render("\n".join(["web1", "short one", "y" * 500, "short two"]), 3)
    assert body.text == "web1\nshort one\n(+2 more)"
    assert body.cut == ("y" * 500, "short two")


def test_an_earlier_cut_at_1600_characters_is_counted_in_the_marker():
    text = message(30) + "\n(+12 more)"
    body = render(text, 2)
    assert body.text.endswith(f"\n(+{len(body.cut) + 12} more)")
    assert "(+12 more)" not in body.cut  # the old marker is no line of the message


def test_a_non_gsm_line_is_sent_with_question_marks_and_logged_as_written():
    body = render("web1\nalice logged on pts/0 from café.example ☃\n" + "z" * 600, 3)
    assert body.text.split("\n")[1] == "alice logged on pts/0 from café.example ?"
    assert gsm7_encodable(body.text)


def test_each_cut_line_is_logged_in_full_at_info(caplog):
    caplog.set_level(logging.INFO, logger="ttalertd.notify.sms")
    text = message(40)
    body = message_sms(Message("web1", text), 2)
    logged = [r.getMessage().split(": ", 1)[1] for r in caplog.records if r.levelno == logging.INFO]
    assert body.split("\n")[:-1] + logged == text.split("\n")


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.text(max_size=200), max_size=30), limit=st.integers(1, 10))
def test_any_message_renders_gsm7_within_the_budget_and_loses_no_line(lines, limit):
    lines = [line.replace("\n", " ") + "." for line in lines]  # never a "(+N more)" of its own
    text = "\n".join(["web1", *lines])
    body = render(text, limit)
    assert gsm7_encodable(body.text) and body.segments <= limit
    assert segments(body.text) == body.segments
    sent = body.text.split("\n")
    if body.cut:
        assert sent[-1] == f"(+{len(body.cut)} more)"
        sent = sent[:-1]
    kept = text.split("\n")[: len(sent)]
    assert [to_gsm(line) for line in kept] == sent  # whole lines, in order
    assert kept + list(body.cut) == text.split("\n")


def test_an_sms_is_rendered_from_every_line_not_from_the_1600_character_text():
    lines = tuple(f"{k:03d} " + "x" * 96 for k in range(30))  # 3000 characters: 1600 cut them
    cut_text = "\n".join(["web1", *lines[:15], "(+15 more)"])
    body = message_sms(Message("web1", cut_text, lines=lines), 10)
    assert body.split("\n")[1:-1] == list(lines[:15]) and body.endswith("\n(+15 more)")
    assert segments(body) == 10
    # a held digest's header is one of the lines, and the first one kept
    held = message_sms(Message("web1", "web1\nheld since 14:02:\nb",
                               lines=("held since 14:02:", "b")), 1)
    assert held == "web1\nheld since 14:02:\nb"
