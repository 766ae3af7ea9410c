"""One tick's lines into one message: host first, at most 1600 characters, "(+N more)" last."""

from __future__ import annotations

import io
import logging

from ttalertd.alert import Alert
from ttalertd.notifiers.console import ConsoleNotifier
from ttalertd.notify.delivery import enqueue, flush, message_for
from ttalertd.notify.message import compose, message_lines
from ttalertd.notify.outbox import Entry, Line, Outbox


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


# the message of a tick's alerts: events first, login bursts, cut lines logged (sections 6, 7)

def login(user: str, line: str, host: str = "", kind: str = "login", tick: float = 100.0) -> Alert:
    labels = [("user", user), ("line", line)] + ([("remote_host", host)] if host else [])
    verb = "logged off" if kind == "logout" else "logged on"
    text = f"{user} {verb} {line}" + (f" from {host}" if host and kind == "login" else "")
    return Alert(kind, text, f"{kind}:{user}|{line}|{host}", labels=tuple(labels), starts_at=tick)


def message_of(alerts: list[Alert]):
    """The message one tick's `alerts` make, as delivery composes it."""
    return message_for(Entry("console", "web1", lines=[Line(a, 100.0) for a in alerts]), 100.0)[0]


def printed(alerts: list[Alert]) -> str:
    """What the console prints for one tick's `alerts`, through enqueue and flush."""
    outbox, console = Outbox(), ConsoleNotifier(io.StringIO())
    enqueue(outbox, host="web1", alerts=alerts, notifiers=[console], now=100.0, tick=1,
            max_per_hour=10)
    flush(outbox, [console], now=100.0, tick=1, ticks_per_hour=60, max_per_hour=10)
    return console._stdout.getvalue().rstrip("\n")


def test_event_lines_come_before_condition_lines():
    alerts = [Alert("load", "load average 3.52 2.10 1.30 (limit 1.2)", "load"),
              Alert("cpu", "python3 (pid 7) exited", "cpu:python3", recovery=True),
              login("alice", "pts/0", "10.0.0.5"),
              Alert("logout", "bob logged off pts/1", "logout:bob|pts/1|"),
              Alert("peer", "peer web2 silent since 14:02", "peer:web2"),
              Alert("reboot", "rebooted at 2026-11-24 03:12", "reboot")]
    message = message_of(alerts)
    assert printed(alerts) == message.text
    assert message.text.split("\n") == [
        "web1", "rebooted at 2026-11-24 03:12", "peer web2 silent since 14:02",
        "alice logged on pts/0 from 10.0.0.5", "bob logged off pts/1",
        "load average 3.52 2.10 1.30 (limit 1.2)", "python3 (pid 7) exited"]
    assert [a.kind for a in message.alerts] == ["reboot", "peer", "login", "logout", "load", "cpu"]


def test_four_logins_of_one_user_from_one_host_are_one_line_three_are_three():
    four = [login("alice", f"pts/{k}", "203.0.113.9") for k in range(4)]
    three = [login("bob", f"pts/{k}", "203.0.113.7") for k in range(4, 7)]
    local = [login("carol", f"tty{k}") for k in range(5)]
    gone = [login("alice", f"pts/{k}", "203.0.113.9", kind="logout") for k in range(10, 14)]
    message = message_of([*four, *three, *local, *gone])
    assert printed([*four, *three, *local, *gone]) == message.text
    assert message.text.split("\n") == [
        "web1", "alice logged on 4 times from 203.0.113.9",
        "bob logged on pts/4 from 203.0.113.7", "bob logged on pts/5 from 203.0.113.7",
        "bob logged on pts/6 from 203.0.113.7", "carol logged on 5 times",
        "alice logged off 4 times from 203.0.113.9"]
    # the webhook's list (and Alertmanager) still have one alert per session
    assert len(message.alerts) == 16


def test_a_burst_is_one_user_from_one_host_in_one_tick():
    mixed = [login("alice", "pts/0", "10.0.0.1"), login("alice", "pts/1", "10.0.0.2"),
             login("alice", "pts/2", "10.0.0.1"), login("dave", "pts/3", "10.0.0.1")]
    two_ticks = [login("erin", f"pts/{k}", "10.0.0.9", tick=100.0 + k // 2) for k in range(4)]
    lines = message_lines([*mixed, *two_ticks, login("alice", "pts/4", "10.0.0.1")])
    assert lines == [a.text for a in mixed] + [a.text for a in two_ticks] + [
        "alice logged on pts/4 from 10.0.0.1"]


def test_200_logins_in_one_tick_fit_and_every_cut_line_is_logged(caplog):
    storm = [login(f"user{k}", f"pts/{k}", f"10.0.{k // 250}.{k % 250}") for k in range(200)]
    storm += [login("mallory", f"pts/{k}", "203.0.113.9") for k in range(200, 400)]
    caplog.set_level(logging.INFO, logger="ttalertd.notify.delivery")
    text = printed(storm)
    lines = text.split("\n")
    assert len(text) <= 1600 and lines[-1].startswith("(+")
    assert "mallory logged on 200 times from 203.0.113.9" not in lines  # cut: it came last
    cut = int(lines[-1][2:].split()[0])
    logged = [r.getMessage().split(": ", 1)[1] for r in caplog.records if "cut from" in r.msg]
    assert len(logged) == cut and logged[-1] == "mallory logged on 200 times from 203.0.113.9"
    assert lines[1:-1] + logged == message_lines(storm)
