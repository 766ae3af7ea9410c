"""Issue 17's rules: young processes, LOAD_ESCALATE_RATIO, CPU `exited` for another process or
at a reboot, and the reboot line's downtime and shutdown."""

from __future__ import annotations

from rules_support import Run, Tick, config, row

from ttalertd.state.memory import AlertMemory


def ids(*rows_: tuple[int, int, str]) -> dict[int, tuple[int, str]]:
    return {pid: (start, name) for pid, start, name in rows_}


def test_a_process_born_inside_the_window_alerts_one_tick_later():
    run = Run(config())  # FOR_TICKS 1, CPU_LIMIT 20
    miner = [row(800, "xmrig", 95.0)]
    assert run.tick(Tick(top=miner, new_pids=frozenset({800}))) == []
    assert run.tick(Tick(top=miner)) == ["cpu 95.0% pid 800 bob xmrig: xmrig"]


def test_short_lived_busy_processes_never_alert_with_the_defaults():
    run = Run(config())
    got = run.ticks(*[Tick(top=[row(9000 + i, "git", 90.0)], new_pids=frozenset({9000 + i}))
                      for i in range(5)])
    assert got == [[]] * 5


def test_a_young_process_of_an_alerted_name_keeps_its_incident_going():
    run = Run(config())
    assert run.tick(Tick(top=[row(5, "cc1", 90.0)])) == ["cpu 90.0% pid 5 bob cc1: cc1"]
    assert run.tick(Tick(top=[row(6, "cc1", 90.0)], new_pids=frozenset({6}))) == []
    assert run.tick(Tick(top=[])) == ["cc1 (pid 6) exited"]


def test_a_firing_load_alerts_again_only_above_the_last_figure_times_the_ratio():
    run = Run(config(LOAD_AVG_MAX=2, RESET_INTERVAL=100))  # LOAD_ESCALATE_RATIO 1.5
    loads = (2.05, 2.3, 1.85, 2.9, 3.07, 3.1, 3.5, 1.5)
    got = run.ticks(*[Tick(load=(x, 1.0, 1.0)) for x in loads])
    assert got == [["load average 2.05 1.00 1.00 (limit 2)"], [], [], [], [],
                   ["load average 3.10 1.00 1.00 (limit 2)"], [],
                   ["load back to normal: 1.50 1.00 1.00"]]


def test_a_ratio_of_one_alerts_on_every_new_peak():
    run = Run(config(LOAD_AVG_MAX=2, LOAD_ESCALATE_RATIO=1, RESET_INTERVAL=100))
    got = run.ticks(*[Tick(load=(x, 1.0, 1.0)) for x in (2.05, 2.3, 2.2, 2.31)])
    assert [len(lines) for lines in got] == [1, 1, 0, 1]


def test_a_pid_now_held_by_another_process_is_exited_never_back_under():
    run = Run(config())
    assert run.tick(Tick(top=[row(4242, "xmrig", 99.0)], identities=ids((4242, 500, "xmrig")))
                    ) == ["cpu 99.0% pid 4242 bob xmrig: xmrig"]
    # the same pid, an idle sshd (another name), not among the sample's new pids
    assert run.tick(Tick(top=[row(4242, "sshd", 0.0)], identities=ids((4242, 500, "sshd")))
                    ) == ["xmrig (pid 4242) exited"]


def test_a_pid_with_another_start_time_is_another_process():
    run = Run(config())
    run.tick(Tick(top=[row(77, "job", 90.0)], identities=ids((77, 500, "job"))))
    assert run.tick(Tick(top=[row(77, "job", 1.0)], identities=ids((77, 9000, "job")))) == [
        "job (pid 77) exited"]


def test_the_same_process_idle_is_back_under():
    run = Run(config())
    run.tick(Tick(top=[row(77, "job", 90.0)], identities=ids((77, 500, "job"))))
    assert run.tick(Tick(top=[row(77, "job", 1.0)], identities=ids((77, 500, "job")))) == [
        "job (pid 77) back under 20% cpu"]


def test_across_a_restart_the_condition_remembers_its_process():
    run = Run(config())
    run.tick(Tick(top=[row(77, "job", 90.0)], identities=ids((77, 500, "job"))))
    # the state file round trip of a daemon restart; the pid was reused while nothing ran
    restored = AlertMemory.from_json(run.memory.to_json())
    later = Run(config(), restored)
    assert later.tick(Tick(top=[row(77, "job", 2.0)], identities=ids((77, 7000, "job")))) == [
        "job (pid 77) exited"]


def test_a_streak_does_not_carry_over_to_a_reused_pid_across_a_restart():
    run = Run(config(FOR_TICKS=2))
    run.tick(Tick(top=[row(77, "job", 90.0)], identities=ids((77, 500, "job"))))
    later = Run(config(FOR_TICKS=2), AlertMemory.from_json(run.memory.to_json()))
    other = Tick(top=[row(77, "job", 90.0)], identities=ids((77, 7000, "job")))
    assert later.ticks(other, other) == [[], ["cpu 90.0% pid 77 bob job: job"]]


def test_at_a_reboot_an_alerted_process_has_exited_even_if_its_pid_looks_the_same(utc):
    run = Run(config(), AlertMemory(sessions=[], boot_id="a"))
    same = ids((700, 500, "miner"))
    assert run.tick(Tick(top=[row(700, "miner", 99.0)], identities=same, boot_id="a")) == [
        "cpu 99.0% pid 700 bob miner: miner"]
    got = run.tick(Tick(top=[row(700, "miner", 99.0)], identities=same, boot_id="b",
                        btime=1_764_012_000))
    # the miner of the new boot is a new process: the old incident ended, the new one alerts
    assert got == [("rebooted at 2025-11-24 19:20 (down 182 min, no clean shutdown: last tick "
                   "16:17)"), "miner (pid 700) exited", "cpu 99.0% pid 700 bob miner: miner"]


def test_the_reboot_line_after_a_clean_stop(utc):
    memory = AlertMemory(sessions=[], boot_id="a", last_tick=1_764_011_000.0,
                         stopped=1_764_011_520.0)  # 19:03:20 last tick, 19:12:00 stopped
    got = Run(config(), memory).tick(Tick(boot_id="b", btime=1_764_012_000))
    assert got == ["rebooted at 2025-11-24 19:20 (down 8 min, clean shutdown)"]


def test_the_reboot_line_without_a_clean_stop(utc):
    memory = AlertMemory(sessions=[], boot_id="a", last_tick=1_764_011_000.0)
    got = Run(config(), memory).tick(Tick(boot_id="b", btime=1_764_012_000))
    assert got == [("rebooted at 2025-11-24 19:20 (down 16 min, no clean shutdown: last tick "
                   "19:03)")]


def test_a_tick_clears_the_clean_stop_and_records_itself():
    memory = AlertMemory(sessions=[], boot_id="a", last_tick=1.0, stopped=2.0)
    run = Run(config(), memory)
    run.tick(Tick(boot_id="a"))
    assert (run.memory.stopped, run.memory.last_tick) == (None, run.time)


def test_the_memory_copy_shares_nothing_the_rules_change():
    from ttalertd.state.memory import Condition

    memory = AlertMemory(sessions=[("a", "pts/0", "")], boot_id="b", last_tick=1.0,
                         conditions={"cpu:x": Condition("cpu", labels={"process": "x"})},
                         cpu_streaks={5: [1.0, 2.0, 3.0]},
                         held=[{"kind": "load", "text": "t", "key": "load", "labels": []}])
    clone = memory.copy()
    assert clone == memory
    clone.sessions.append(("b", "tty1", ""))
    clone.conditions["cpu:x"].labels["process"] = "y"
    clone.conditions["cpu:x"].streak = 9
    clone.cpu_streaks[5][0] = 7.0
    clone.held[0]["labels"].append(["k", "v"])
    assert memory == AlertMemory(sessions=[("a", "pts/0", "")], boot_id="b", last_tick=1.0,
                                 conditions={"cpu:x": Condition("cpu", labels={"process": "x"})},
                                 cpu_streaks={5: [1.0, 2.0, 3.0]},
                                 held=[{"kind": "load", "text": "t", "key": "load", "labels": []}])


def test_young_means_started_inside_the_window_not_only_unseen_before():
    import proc
    from ttalertd.read.source import _young

    def snap(uptime, *stats):
        return proc.Snapshot(uptime, None, {s.pid: s for s in stats}, 1_764_000_000,
                             1_764_000_000 + uptime)

    def stat(pid, start):
        return proc.PidStat(pid, "x", "R", 1, 0, 0, 1, start)

    before = snap(1000.0, stat(1, 100))
    after = snap(1010.0, stat(1, 100), stat(2, 100_500), stat(3, 50_000), stat(4, 99_950))
    new = proc.new_pids(before, after)
    assert new == {2, 3, 4}
    # 2 started at 1005 s, 4 at 999.5 s (read just before the earlier sample's uptime); 3 at
    # 500 s was only unseen (an unreadable stat): it is measured over its life and may alert
    assert _young(before, after, new) == {2, 4}
    rebooted = snap(40.0, stat(1, 100), stat(3, 50))
    assert _young(after, rebooted, proc.new_pids(after, rebooted)) == {1, 3}
