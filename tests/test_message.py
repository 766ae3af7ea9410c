"""One tick's lines into one message: host first, at most 1600 characters, "(+N more)" last."""

from __future__ import annotations

from ttalertd.notify.message import compose


def test_a_message_that_fits_is_every_line_under_the_host_name():
    assert compose("web1", ["a", "b"]) == "web1\na\nb"
    assert compose("web1", ["a"], footer="and 2 more alerts since 14:02") == (
        "web1\na\nand 2 more alerts since 14:02")


def test_a_long_message_keeps_whole_lines_and_ends_with_how_many_were_left_out():
    lines = [f"{i:02d} " + "x" * 97 for i in range(30)]  # 100 characters each
    text = compose("web1", lines)
    assert len(text) <= 1600 and text.endswith("\n(+15 more)")
    assert text.split("\n")[1:-1] == lines[:15]


def test_the_footer_survives_the_cut_and_the_marker_stays_last():
    lines = [f"{i:02d} " + "x" * 97 for i in range(30)]
    footer = "and 37 more alerts since 14:02"
    text = compose("web1", lines, footer=footer)
    assert len(text) <= 1600
    assert text.split("\n")[-2:] == [footer, "(+15 more)"]
    assert text.split("\n")[1:-2] == lines[:15]  # 4 + 15 x 101 + 31 + 11 characters


def test_a_single_line_longer_than_the_limit():
    text = compose("web1", ["y" * 2000])
    assert text == "web1\n(+1 more)"
    assert len(compose("h" * 2000, ["a"])) == 1600
