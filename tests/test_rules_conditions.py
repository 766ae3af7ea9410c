"""Load, CPU, memory, swap and disk: FOR_TICKS, escalation, reset, hysteresis, recovery."""

from __future__ import annotations

import time
from dataclasses import replace

from rules_support import Run, Tick, config, reading, row

from ttalertd.config.linear_regex import LinearPattern
from ttalertd.rules.evaluate import evaluate

LOAD_LINE = "load average {:.2f} {:.2f} {:.2f} (limit 1.2)"


def load_line(one: float) -> str:
    return LOAD_LINE.format(one, one * 0.6, one * 0.3)


# load (issue 4 and 9)

def test_load_alerts_only_above_the_limit_and_above_the_load_last_alerted():
    run = Run(config(RESET_INTERVAL=100, LOAD_ESCALATE_RATIO=1))
    got = run.ticks(Tick(load=1.2), Tick(load=1.5), Tick(load=1.4), Tick(load=2.0),
                    Tick(load=2.0), Tick(load=1.9))
    assert got == [[], [load_line(1.5)], [], [load_line(2.0)], [], []]


def test_reset_interval_clears_the_load_last_alerted_and_repeats_the_line():
    run = Run(config(RESET_INTERVAL=3))
    got = run.ticks(*[Tick(load=2.0)] * 7)
    assert got == [[load_line(2.0)], [], [], [load_line(2.0)], [], [], [load_line(2.0)]]
    assert [v.reset for v in run.verdicts] == [False, False, True] * 2 + [False]


def test_load_waits_for_ticks_and_a_broken_streak_starts_again():
    run = Run(config(FOR_TICKS=3))
    got = run.ticks(Tick(load=2.0), Tick(load=2.0), Tick(load=1.0), Tick(load=2.0),
                    Tick(load=2.1), Tick(load=2.2), Tick(load=2.2))
    # the dip to 1.0 (not over) forgets the streak: the alert comes 3 ticks after the new onset
    assert got == [[], [], [], [], [], [load_line(2.2)], []]


def test_load_recovers_below_limit_times_ratio_once_and_the_next_rise_alerts_again():
    run = Run(config(FOR_TICKS=2, RECOVER_RATIO=0.5))
    got = run.ticks(Tick(load=3.0), Tick(load=3.0), Tick(load=0.7), Tick(load=0.5),
                    Tick(load=0.4), Tick(load=0.3), Tick(load=1.3), Tick(load=1.3))
    # 0.7 lies between 1.2 * 0.5 = 0.6 and 1.2: same incident; 0.5 recovers once, is forgotten
    assert got == [[], [load_line(3.0)], [], ["load back to normal: 0.50 0.30 0.15"], [], [],
                   [], [load_line(1.3)]]


def test_a_load_exactly_on_the_recovery_line_has_not_recovered():
    run = Run(config(LOAD_AVG_MAX=3))  # 3 x 0.8 is 2.4000000000000004 in floating point
    got = run.ticks(*[Tick(load=(x, 1.0, 1.0)) for x in (4.0, 2.40, 2.39)])
    assert got == [["load average 4.00 1.00 1.00 (limit 3)"], [],
                   ["load back to normal: 2.39 1.00 1.00"]]


def test_notify_recovery_false_forgets_the_condition_silently():
    run = Run(config(NOTIFY_RECOVERY=False))
    got = run.ticks(Tick(load=3.0), Tick(load=0.2), Tick(load=1.5))
    assert got == [[load_line(3.0)], [], [load_line(1.5)]]
    assert [a.text for a in run.verdicts[1].resolved] == ["load back to normal: 0.20 0.12 0.06"]


def test_an_unreadable_load_neither_breaks_nor_advances_a_streak():
    run = Run(config(FOR_TICKS=2))
    assert run.ticks(Tick(load=2.0), Tick(load=None), Tick(load=2.0)) == [[], [], [load_line(2.0)]]


# CPU

def test_cpu_alerts_once_per_command_name_until_reset():
    run = Run(config(RESET_INTERVAL=2))
    hogs = Tick(top=[row(10, "python3", 99.5, cmdline="python3 a.py"),
                     row(11, "python3", 60.0, cmdline="python3 b.py"), row(12, "gzip", 30.0)])
    got = run.ticks(hogs, hogs, hogs)
    first = ["cpu 99.5% pid 10 bob python3: python3 a.py", "cpu 30.0% pid 12 bob gzip: gzip"]
    assert got == [first, [], first]


def test_a_process_seen_in_one_sample_only_never_holds_two_ticks():
    run = Run(config(FOR_TICKS=2))
    # the same pid number, but a new process each time (the read step says so): no alert
    reused = [Tick(top=[row(77, "cc1", 90.0)], new_pids=frozenset({77})) for _ in range(3)]
    assert run.ticks(*reused) == [[], [], []]
    # a new pid each tick with one name (churn): no alert either
    churn = [Tick(top=[row(100 + i, "sh", 80.0)], new_pids=frozenset({100 + i}))
             for i in range(3)]
    assert run.ticks(*churn) == [[], [], []]


def test_cpu_after_for_ticks_then_back_under_then_again_then_exited():
    run = Run(config(FOR_TICKS=2))
    hog = [Tick(top=[row(5, "stress", pct)]) for pct in (50.0, 50.0, 17.0, 10.0, 30.0, 30.0)]
    got = run.ticks(*hog, Tick(top=[]))
    assert got == [[], ["cpu 50.0% pid 5 bob stress: stress"], [],
                   ["stress (pid 5) back under 20% cpu"], [],
                   ["cpu 30.0% pid 5 bob stress: stress"], ["stress (pid 5) exited"]]


def test_an_alerted_process_whose_pid_was_reused_has_exited():
    run = Run(config(CPU_LIMIT=50))
    assert run.tick(Tick(top=[row(990, "job", 90.0)])) == ["cpu 90.0% pid 990 bob job: job"]
    reused = Tick(top=[row(990, "bash", 0.0)], new_pids=frozenset({990}))
    assert run.tick(reused) == ["job (pid 990) exited"]


def test_cpu_out_of_a_full_top_is_not_a_recovery_until_known_below():
    run = Run(config())
    run.tick(Tick(top=[row(5, "stress", 90.0)]))
    busy = [row(100 + i, f"job{i}", 50.0) for i in range(8)]
    # stress fell out of a full top 8 whose last row is 50 %: it may still be over the limit
    assert run.tick(Tick(top=busy, other_pids=frozenset({5}))) == [
        f"cpu 50.0% pid {100 + i} bob job{i}: job{i}" for i in range(8)]
    calm = [row(100 + i, f"job{i}", 10.0) for i in range(8)]
    got = run.tick(Tick(top=calm, other_pids=frozenset({5})))
    assert "stress (pid 5) back under 20% cpu" in got


def test_another_process_of_the_name_carries_the_incident_on():
    run = Run(config())
    assert run.tick(Tick(top=[row(5, "make", 90.0)])) == ["cpu 90.0% pid 5 bob make: make"]
    assert run.tick(Tick(top=[row(6, "make", 90.0)], new_pids=frozenset({6}))) == []
    assert run.tick(Tick(top=[])) == ["make (pid 6) exited"]


def test_excluded_processes_never_alert_by_name_or_cmdline():
    cfg = config(EXCLUDE_PROCESSES=["^backup$", "rsync .*--server"])
    run = Run(cfg)
    top = [row(1, "backup", 99.0), row(2, "rsync", 90.0, cmdline="rsync --server . /srv"),
           row(3, "rsync", 80.0, cmdline="rsync -a src dst")]
    assert run.tick(Tick(top=top)) == ["cpu 80.0% pid 3 bob rsync: rsync -a src dst"]
    assert all(isinstance(p, LinearPattern) for p in cfg.exclude_processes)


def test_a_long_cmdline_is_shortened_in_the_alert_line():
    run = Run(config())
    (line,) = run.tick(Tick(top=[row(9, "java", 150.0, cmdline="java -cp " + "x" * 500)]))
    assert line.startswith("cpu 150.0% pid 9 bob java: java -cp x") and line.endswith("...")
    assert len(line) < 300


# memory, swap, disk

def test_memory_life_with_hysteresis():
    run = Run(config(FOR_TICKS=2))
    kib = [320_000, 120_000, 440_000, 1_200_000, 200_000, 200_000]
    got = run.ticks(*[Tick(mem_available=k) for k in kib])
    assert got == [[], ["memory low: 3% available (117 MiB of 3.8 GiB)"], [],
                   ["memory back to normal: 30% available"], [],
                   ["memory low: 5% available (195 MiB of 3.8 GiB)"]]


def test_memory_rule_off_with_null_and_without_memavailable():
    assert Run(config(MEM_AVAILABLE_MIN=None)).tick(Tick(mem_available=1000)) == []
    assert Run(config()).tick(Tick(mem_available=None)) == []


def test_swap_is_off_by_default_and_alerts_with_a_limit():
    assert Run(config()).tick(Tick(swap_used_percent=99)) == []
    run = Run(config(SWAP_USED_MAX=80))
    got = run.ticks(*[Tick(swap_used_percent=p) for p in (85, 70, 40, 90)])
    assert got == [["swap 85% used"], [], ["swap back to normal: 40% used"], ["swap 90% used"]]


def test_disk_life_with_hysteresis():
    run = Run(config(FOR_TICKS=2, DISK_FREE_MIN=5))
    got = run.ticks(*[Tick(var_free=p) for p in (3, 3, 6, 12, 2, 2)])
    assert got == [[], ["disk /var: 3% free (1.2 GiB of 40 GiB)"], [],
                   ["disk /var back to normal: 12% free"], [],
                   ["disk /var: 2% free (819 MiB of 40 GiB)"]]


def test_conditions_of_one_tick_share_one_verdict_in_rule_order():
    run = Run(config(SWAP_USED_MAX=50))
    got = run.tick(Tick(load=3.0, top=[row(4, "x", 70.0)], mem_available=100_000,
                        swap_used_percent=60, var_free=1))
    assert got == [load_line(3.0), "cpu 70.0% pid 4 bob x: x",
                   "memory low: 2% available (98 MiB of 3.8 GiB)", "swap 60% used",
                   "disk /var: 1% free (410 MiB of 40 GiB)"]
    assert {a.kind for a in run.verdicts[0].firing} == {"load", "cpu", "memory", "swap", "disk"}


def test_a_rule_switched_off_or_a_disk_unmounted_drops_its_condition():
    run = Run(config(SWAP_USED_MAX=80))
    assert run.tick(Tick(swap_used_percent=90, var_free=2, mem_available=100_000)) == [
        "memory low: 2% available (98 MiB of 3.8 GiB)", "swap 90% used",
        "disk /var: 2% free (819 MiB of 40 GiB)"]
    assert {c.kind for c in run.verdicts[-1].firing} == {"memory", "swap", "disk"}
    run.config = config(SWAP_USED_MAX=None, MEM_AVAILABLE_MIN=None, DISK_FREE_MIN=None)
    assert run.tick(Tick(swap_used_percent=90, var_free=2, mem_available=100_000)) == []
    assert run.verdicts[-1].firing == () and run.memory.conditions == {}


def test_an_unmounted_disk_is_forgotten_but_an_unreadable_mount_table_keeps_it():
    run = Run(config())
    run.tick(Tick(var_free=2))
    tick = reading(Tick(), run.time + 60)
    gone = evaluate(replace(tick, disks=(replace(tick.disks[0], mountpoint="/srv", bavail=10**7),)),
                    run.memory, run.config, minute_of_day=0, local=time.localtime)
    assert "disk:/var" not in gone.memory.conditions and gone.lines == ()
    unread = evaluate(replace(tick, disks=()), run.memory, run.config, minute_of_day=0,
                      local=time.localtime)
    assert "disk:/var" in unread.memory.conditions
