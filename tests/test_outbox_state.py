"""The outbox in memory.json: both parts round-trip, a bad record costs only itself, and the
16 MB bound holds however long Alertmanager is down."""

from __future__ import annotations

import json
import logging

import pytest

from ttalertd.alert import Alert, alert_from_json, alert_to_json
from ttalertd.notifiers import DeliveryError
from ttalertd.notify.bound import OUTBOX_BYTES, STATE_BYTES, bound_outbox, outbox_size
from ttalertd.notify.delivery import Outbox, enqueue, flush, keep
from ttalertd.notify.message import AlertState

T0 = 1_700_000_000.0
DISK = Alert("disk", "disk /var: 3% free", "disk:/var", labels=(("mountpoint", "/var"),),
             starts_at=T0 - 5)


class Down:
    def __init__(self, key: str, *, states: bool = False) -> None:
        self.key, self.rate_limited, self.alert_states = key, not states, states

    def send(self, message) -> None:
        raise DeliveryError("down", permanent=False)


def state(key: str, event: bool, summary: str) -> AlertState:
    return AlertState(key, event, (("alertname", "TTAlertLogin"), ("instance", "web1")),
                      (("summary", summary),), T0, T0 + 60)


def saved(outbox: Outbox) -> Outbox:
    """What a restart reads back from memory.json."""
    parts = json.loads(json.dumps({"o": outbox.to_json(), "a": outbox.alertmanager_json()}))
    return Outbox.from_json(parts["o"], parts["a"])


def test_both_parts_round_trip():
    sms, am = Down("sms:+1"), Down("alertmanager:http://am", states=True)
    outbox = Outbox(started={"load": T0 - 60})
    enqueue(outbox, host="web1", alerts=[DISK], notifiers=[sms, am], now=T0, tick=4,
            max_per_hour=1, states=[state("login:a", True, "alice logged on")])
    flush(outbox, [sms, am], now=T0, tick=4, ticks_per_hour=60, max_per_hour=1)
    outbox.sent_times = [T0]
    enqueue(outbox, host="web1", alerts=[DISK], notifiers=[sms], now=T0 + 1, tick=5,
            max_per_hour=1)  # held
    again = saved(outbox)
    assert again.to_json() == outbox.to_json()
    assert again.alertmanager_json() == outbox.alertmanager_json()
    assert again.entries["sms:+1"].lines[0].alert == DISK and again.held[0].held
    assert again.entries["alertmanager:http://am"].states[0].state.summary == "alice logged on"
    assert again.entries["sms:+1"].attempts == 1 and again.entries["sms:+1"].next_try_tick == 5
    # a salvage of a corrupt file finds each message's text (ttalertd.state.salvage)
    assert outbox.to_json()["entries"][0]["text"] == "web1\ndisk /var: 3% free"


def test_the_alert_codec_round_trips_and_refuses_wrong_types():
    assert alert_from_json(json.loads(json.dumps(alert_to_json(DISK)))) == DISK
    for bad in [None, [], {"kind": 1, "text": "t"}, {"kind": "load", "text": "t", "recovery": 1},
                {"kind": "load", "text": "t", "labels": [["a"]]},
                {"kind": "load", "text": "t", "starts_at": float("nan")}]:
        assert alert_from_json(bad) is None


@pytest.mark.parametrize("garbage", [
    None, [], "x", 42, {"entries": "nope"}, {"entries": [1, "a", None, {"key": 3}]},
    {"sent_times": ["a", None]}, {"held": "many"},
    {"entries": [{"key": "sms:+1", "host": "h", "attempts": "two", "lines": []}]},
])
def test_garbage_starts_that_part_fresh(garbage):
    outbox = Outbox.from_json(garbage, garbage)
    assert outbox.entries == {} and outbox.held == []
    fresh = Outbox()  # what is saved next is a fresh outbox, for both parts
    assert (outbox.to_json(), outbox.alertmanager_json()) == (fresh.to_json(),
                                                             fresh.alertmanager_json())


def test_a_bad_line_costs_only_itself_and_is_logged(caplog):
    good = {"alert": alert_to_json(DISK), "at": T0}
    bad = {"alert": {"kind": "load", "text": "load 9.99 (unreadable)", "recovery": "yes"}, "at": T0}
    caplog.set_level(logging.ERROR)
    outbox = Outbox.from_json({"entries": [{"key": "sms:+1", "host": "h", "lines": [good, bad]},
                                           {"key": 7}], "sent_times": [T0]})
    assert [line.alert for line in outbox.entries["sms:+1"].lines] == [DISK]
    assert outbox.sent_times == [T0]
    assert "load 9.99 (unreadable)" in caplog.text


def test_alertmanager_down_for_days_never_grows_the_state_past_its_bound(caplog):
    am = Down("alertmanager:http://am", states=True)
    outbox = Outbox()
    caplog.set_level(logging.ERROR)
    summary = "x" * 20_000  # big events, so that the bound is reached in a few hundred ticks
    for n in range(1000):
        enqueue(outbox, host="web1", alerts=[], notifiers=[am], now=T0 + n, tick=n,
                max_per_hour=10, states=[state(f"login:{n}", True, f"{summary} {n}"),
                                         state("load", False, f"load at {n}")])
    size = len(json.dumps({"outbox": outbox.to_json(), "am": outbox.alertmanager_json()},
                          separators=(",", ":")))
    assert OUTBOX_BYTES * 0.75 < size <= outbox_size(outbox) <= OUTBOX_BYTES < STATE_BYTES
    states = outbox.entries[am.key].states
    assert states[0].state.summary == "load at 999"  # the latest state of the condition stays
    assert states[-1].state.summary.endswith(" 999")  # and the newest events
    assert "dropped" in caplog.text and f"{summary} 0" in caplog.text  # what went is logged


def test_lines_are_bounded_too_oldest_first():
    outbox = Outbox()
    for n in range(50):
        keep(outbox, "sms:+1", "web1", alerts=[Alert("login", f"{n} " + "y" * 1000, f"l:{n}")],
             now=T0 + n, tick=n)
    assert bound_outbox(outbox, limit=20_000) > 0
    texts = [line.alert.text for line in outbox.entries["sms:+1"].lines]
    assert texts and texts[-1].startswith("49 ") and not texts[0].startswith("0 ")
    assert outbox_size(outbox) <= 20_000


def test_what_the_version_before_kept_is_read_at_the_upgrade():
    old_message = {"key": "sms:+1", "host": "web1", "text": "web1\ndisk /var: 3% free",
                   "alerts": [alert_to_json(DISK)], "created": T0, "attempts": 2,
                   "next_try_tick": 9}
    text_only = {"key": "console", "host": "web1", "text": "web1\nkept line", "alerts": [],
                 "created": T0, "attempts": 0, "next_try_tick": 0}
    old_post = {"key": "login:a", "event": True, "created": T0, "alert": {
        "labels": {"alertname": "TTAlertLogin", "instance": "web1"},
        "annotations": {"summary": "alice logged on"},
        "startsAt": "2023-11-14T22:13:20.000Z", "endsAt": "2023-11-14T22:14:20.000Z"}}
    outbox = Outbox.from_json(
        {"entries": [old_message, text_only], "sent_times": [T0], "held_alerts": 0},
        {"started": {"load": T0}, "urls": {"http://am:9093": {"alerts": [old_post],
                                                              "attempts": 1, "next_try_tick": 3}}})
    assert [line.alert for line in outbox.entries["sms:+1"].lines] == [DISK]
    assert outbox.entries["sms:+1"].attempts == 2
    assert [line.alert.text for line in outbox.entries["console"].lines] == ["kept line"]
    [kept] = outbox.entries["alertmanager:http://am:9093"].states
    assert (kept.state.summary, kept.state.starts_at, kept.state.ends_at) == (
        "alice logged on", T0, T0 + 60)
    assert outbox.started == {"load": T0}
