"""The peers rule (rules/peers.py), pure: heartbeats seen + remembered peers -> lines, the
TTAlertPeerSilent states and who texts (interface.md section 10)."""

from __future__ import annotations

import logging
import time

from ttalertd.config.records import Config
from ttalertd.read.reading import PeerHeartbeat
from ttalertd.rules.peers import check_peers
from ttalertd.state.peers import Peer, PeerMemory

T0 = 1_796_000_000.0  # a sample time; lines show it in UTC below
CONFIG = Config(alert_interval=60.0, peer_forget_hours=24.0)


def judge(seen, memory, *, host="web2", now=T0, config=CONFIG):
    names = None if seen is None else tuple(
        PeerHeartbeat(n.rstrip("!"), stopping=n.endswith("!")) for n in seen)
    return check_peers(names, memory, config, host=host, now=now, local=time.gmtime)


def hhmm(epoch: float) -> str:
    return time.strftime("%H:%M", time.gmtime(epoch))


def test_a_peer_first_seen_is_known_without_a_line_and_the_own_host_is_no_peer():
    verdict = judge(["web1", "web2", "web3"], PeerMemory())
    assert verdict.lines == () and verdict.firing == ()
    assert set(verdict.memory.hosts) == {"web1", "web3"}
    assert verdict.memory.hosts["web1"] == Peer(last_seen=T0)


def test_a_known_peer_absent_from_every_answer_is_silent_since_it_was_last_seen():
    memory = PeerMemory({"web3": Peer(last_seen=T0 - 180)})
    verdict = judge(["web2"], memory)
    [line] = verdict.lines
    assert line.text == f"peer web3 silent since {hhmm(T0 - 180)}"
    assert line.kind == "peer" and dict(line.labels) == {"instance": "web3"}
    assert verdict.told == (line,)  # web2 is the lowest live name
    [firing] = verdict.firing
    assert firing.key == "peer:web3" and dict(firing.labels) == {"instance": "web3"}
    assert memory.hosts["web3"].silent_since is None  # the input memory is not touched
    again = judge(["web2"], verdict.memory, now=T0 + 60)
    assert again.lines == () and len(again.firing) == 1  # told once, still firing


def test_a_silent_peer_back_is_told_with_its_minutes_and_resolved():
    memory = PeerMemory({"web3": Peer(last_seen=T0 - 600, silent_since=T0 - 420)})
    verdict = judge(["web2", "web3"], memory)
    [line] = verdict.lines
    assert line.text == "peer web3 back after 10 min" and line.recovery
    assert verdict.resolved == (line,) and verdict.firing == ()
    assert verdict.memory.hosts["web3"] == Peer(last_seen=T0)


def test_a_clean_stop_is_told_as_one_when_its_grace_is_over():
    seen = judge(["web2", "web3!"], PeerMemory({"web3": Peer(last_seen=T0 - 60)}))
    assert seen.lines == () and seen.memory.hosts["web3"].stopping
    later = judge(["web2"], seen.memory, now=T0 + 900)
    [line] = later.lines
    assert line.text == f"peer web3 silent since {hhmm(T0)} (stopped cleanly)"


def test_a_peer_silent_for_peer_forget_hours_is_no_longer_watched():
    memory = PeerMemory({"web3": Peer(last_seen=T0 - 24 * 3600, silent_since=T0 - 23 * 3600)})
    verdict = judge(["web2"], memory)
    [line] = verdict.lines
    assert line.text == "peer web3 no longer watched (silent 24 h)"
    assert verdict.resolved == (line,) and verdict.firing == ()
    assert verdict.memory.hosts == {}
    short = judge(["web2"], memory, config=Config(peer_forget_hours=0.5))
    assert short.lines[0].text == "peer web3 no longer watched (silent 0.5 h)"


def test_no_answer_changes_nothing_and_keeps_the_silent_peers_firing():
    memory = PeerMemory({"web1": Peer(last_seen=T0 - 60),
                         "web3": Peer(last_seen=T0 - 600, silent_since=T0 - 400)})
    verdict = judge(None, memory, now=T0 + 48 * 3600)
    assert verdict.lines == () and verdict.told == ()
    assert verdict.memory == memory
    assert [a.key for a in verdict.firing] == ["peer:web3"]


def test_only_the_lowest_live_name_texts_and_the_dead_or_stopping_do_not_count():
    memory = PeerMemory({"web1": Peer(last_seen=T0 - 60), "web4": Peer(last_seen=T0 - 60)})
    # web1 is dead: of web2 and web3, web2 tells
    assert judge(["web2", "web3"], memory, host="web2").told != ()
    assert judge(["web2", "web3"], memory, host="web3").told == ()
    # web1 lives: it tells, not web2
    assert judge(["web1", "web2", "web3"], PeerMemory({"web4": Peer(T0 - 60)}),
                 host="web2").told == ()
    # web1 is stopping (its heartbeat lives through the grace): it cannot be relied on to tell
    assert judge(["web1!", "web2"], PeerMemory({"web4": Peer(T0 - 60)}), host="web2").told != ()
    # a host that sees no one else (its own heartbeat not yet there, or a split) tells
    assert judge([], PeerMemory({"web4": Peer(T0 - 60)}), host="web9").told != ()


def test_the_known_peers_are_bounded_the_oldest_going_first():
    from ttalertd.rules.peers import MAX_KNOWN

    memory = PeerMemory({f"old{n:04d}": Peer(last_seen=T0 - 600 + n) for n in range(MAX_KNOWN)})
    verdict = judge(["web2", "new1", "new2"], memory)
    assert len(verdict.memory.hosts) == MAX_KNOWN
    assert {"new1", "new2"} <= set(verdict.memory.hosts)
    assert "old0000" not in verdict.memory.hosts and "old0002" in verdict.memory.hosts


def test_a_peer_back_is_told_by_the_lowest_other_host_not_by_itself():
    memory = PeerMemory({"web1": Peer(last_seen=T0 - 120, silent_since=T0 - 60)})
    assert judge(["web1", "web2", "web3"], memory, host="web2").told != ()
    assert judge(["web1", "web2", "web3"], memory, host="web3").told == ()


def test_a_damaged_peers_part_is_dropped_with_a_warning_naming_it_and_the_rest_kept(
        tmp_path, caplog):
    import json

    from ttalertd.state.store import load_state

    caplog.set_level(logging.WARNING)
    path = tmp_path / "memory.json"
    for damaged in ({"hosts": []}, {"hosts": {"web1": {"last_seen": "noon"}}},
                    {"hosts": {"web1": {"last_seen": 1.0, "extra": 2}}}, {"other": 1}, [1]):
        path.write_text(json.dumps({"outbox": {"entries": []}, "peers": damaged,
                                    "phone": {"kept": True}}))
        state = load_state(str(path))
        assert state.peers == {} and state.phone == {"kept": True}
    assert caplog.text.count("part 'peers' (the peers) is damaged and dropped") == 5
    good = PeerMemory({"web1": Peer(last_seen=1.5, stopping=True, silent_since=2.5)})
    assert PeerMemory.from_json(good.to_json()) == good


def test_peer_lines_come_after_the_reboot_before_logins_and_wait_out_quiet_hours():
    from rules_support import Tick, reading, session

    from ttalertd.config.records import QuietHours
    from ttalertd.rules.evaluate import evaluate
    from ttalertd.state.memory import AlertMemory

    peer = judge(["web2"], PeerMemory({"web3": Peer(last_seen=T0 - 180)})).told
    memory = AlertMemory(sessions=[], boot_id="an earlier boot")
    tick = reading(Tick(load=3.0, sessions=[session("alice", "pts/0", "10.0.0.5")]), T0)
    verdict = evaluate(tick, memory, CONFIG, minute_of_day=720, local=time.gmtime,
                       peer_lines=peer)
    kinds = [line.kind for line in verdict.lines]
    assert kinds == ["reboot", "peer", "login", "load"]
    quiet = Config(quiet_hours=QuietHours(0, 1439))
    held = evaluate(tick, memory, quiet, minute_of_day=720, local=time.gmtime, peer_lines=peer)
    assert [line.kind for line in held.lines] == ["reboot", "login"]
    assert "peer" in [h["kind"] for h in held.memory.held]
