"""proc on the hand-made fixture scenarios: every expected figure is worked out in its README."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import pytest
from conftest import scenario_samples

import proc


def top(name: str, n: int = 8, first: int = 0, second: int = 1) -> list[tuple]:
    samples = scenario_samples(name)
    a, b = samples[first].snapshot(), samples[second].snapshot()
    return [(r.pid, r.user, r.name, r.cmdline, r.cpu) for r in proc.top_processes(a, b, n)]


def users(fs: proc.ProcFS) -> list[tuple]:
    return [(s.user, s.line, s.host, s.pid, s.since) for s in fs.sessions()]


BACKGROUND = [
    (1, "root", "systemd", "/sbin/init splash", 0.0),
    (2, "root", "kthreadd", "[kthreadd]", 0.0),
    (412, "root", "sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", 0.0),
    (1200, "alice", "bash", "-bash", 0.0),
]


def at(hh: int, mm: int, ss: int) -> datetime:
    return datetime(2025, 11, 24, hh, mm, ss, tzinfo=UTC)


def test_idle_host_ranks_every_process_ties_by_pid():
    assert top("idle-host") == [(1, "root", "systemd", "/sbin/init splash", 0.1)] + BACKGROUND[1:]
    assert [r[0] for r in top("idle-host", n=2)] == [1, 2]


def test_idle_host_load_and_no_users():
    fs = scenario_samples("idle-host")[1]
    assert fs.loadavg() == proc.LoadAvg(0.05, 0.10, 0.08)
    assert fs.snapshot().load == proc.LoadAvg(0.05, 0.10, 0.08)
    assert fs.sessions() == []


def test_cpu_hog_and_effective_uid_without_name():
    assert top("cpu-hog", n=3) == [
        (4242, "bob", "python3", "python3 spin.py", 99.5),
        (4300, "1234", "gzip", "gzip -9 big.log", 12.3),
        BACKGROUND[0],
    ]


def test_multithreaded_exceeds_100():
    assert top("multithreaded", n=1) == [
        (3000, "alice", "ffmpeg", "ffmpeg -i in.mkv out.mp4", 250.0)
    ]


def test_pid_reuse_is_a_new_process():
    cmd = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet main.c"
    assert top("pid-reuse", n=2) == [(4000, "alice", "cc1", cmd, 45.0), BACKGROUND[0]]


def test_born_mid_interval_counts_over_its_own_life():
    assert top("born-mid-interval", n=1) == [(5000, "bob", "python3", "python3 burn.py", 80.0)]


def test_comm_names_with_spaces_and_parens():
    assert (
        top("comm-names")
        == [
            (6004, "alice", "Web Content", "/usr/lib/firefox/firefox -contentproc", 25.0),
            (6000, "alice", "a) (b", "./a) (b --x", 12.3),
            (6001, "alice", "tmux: server", "tmux new -s w", 5.0),
            (6003, "alice", ")", ")", 0.7),
        ]
        + BACKGROUND
    )


def test_kernel_threads_show_as_bracketed_comm():
    assert top("kernel-threads", n=5) == [
        (15, "root", "ksoftirqd/0", "[ksoftirqd/0]", 5.0),
        (40, "root", "kworker/0:1-events", "[kworker/0:1-events]", 1.2),
        BACKGROUND[0],
        BACKGROUND[1],
        (88, "root", "kworker/u4:2", "[kworker/u4:2]", 0.0),
    ]


def test_malformed_stat_lines_are_skipped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="proc"):
        rows = top("malformed-stat")
    assert rows == [(4242, "bob", "python3", "python3 half.py", 50.0)] + BACKGROUND
    warned = {pid for pid in (7000, 7001, 7002, 7003, 7005) if f"/proc/{pid}/stat" in caplog.text}
    assert warned == {7000, 7001, 7002, 7003}  # 7005 has no stat file: skipped quietly


def test_vanished_process_is_not_ranked():
    assert top("vanished") == [(8002, "alice", "tar", "tar czf b.tgz src", 30.0)] + BACKGROUND


def test_damaged_loadavg_is_none_and_the_rest_is_read(caplog):
    fs = scenario_samples("damaged-loadavg")[1]
    with pytest.raises(proc.ParseError):
        fs.loadavg()
    snap = fs.snapshot()
    assert snap.load is None and snap.uptime == 1010.0 and len(snap.stats) == 4
    assert "loadavg" in caplog.text
    assert top("damaged-loadavg") == BACKGROUND


def test_reboot_between_samples_makes_every_process_new():
    samples = scenario_samples("reboot")
    assert samples[0].boot_id() != samples[1].boot_id()
    assert samples[1].system_stat() == proc.SystemStat(2, 1764001000)
    assert top("reboot") == [
        (1, "root", "systemd", "/sbin/init", 8.3),
        (700, "root", "sshd", "sshd: /usr/sbin/sshd -D", 2.0),
        (2, "root", "kthreadd", "[kthreadd]", 0.0),
    ]


def test_snapshot_wall_time_is_btime_plus_uptime():
    snap = scenario_samples("idle-host")[1].snapshot()
    assert (snap.btime, snap.uptime, snap.wall_time) == (1764000000, 1010.0, 1764001010.0)


def test_same_sample_twice_gives_zero_cpu():
    fs = scenario_samples("cpu-hog")[1]
    assert [r.cpu for r in proc.top_processes(fs.snapshot(), fs.snapshot())] == [0.0] * 6


def test_system_files():
    fs = scenario_samples("idle-host")[0]
    assert fs.system_stat() == proc.SystemStat(2, 1764000000)
    assert fs.meminfo() == proc.Meminfo(4000000, 2000000, 1000000, 900000)
    assert fs.boot_id() == "0d4c5f3e-8a1b-4c2d-9e7f-1a2b3c4d5e6f"
    assert fs.uid(1200) == 1000 and fs.uid(99999) is None
    assert (fs.user_name(1000), fs.user_name(4321)) == ("alice", "4321")
    assert not fs.is_live


def test_missing_optional_files(tmp_path):
    (tmp_path / "proc").mkdir()
    fs = proc.ProcFS(str(tmp_path))
    assert fs.system_stat() == proc.SystemStat(None, None)
    assert (fs.meminfo(), fs.boot_id(), fs.disks(), fs.sessions()) == (None, None, None, [])
    snap = fs.snapshot()
    assert (snap.uptime, snap.load, snap.stats, snap.btime) == (None, None, {}, None)


def test_logins_and_logouts_across_samples():
    s0, s1, s2 = scenario_samples("logins")
    alice = ("alice", "pts/0", "10.0.0.5", 1300, at(16, 10, 0))
    carol = ("carol", "pts/1", "2001:db8::7", 1400, at(16, 16, 45))
    assert users(s0) == [("bob", "tty1", "", 1250, at(16, 8, 20)), alice]
    assert users(s1) == [alice, carol]
    assert users(s2) == [("erin", "tty1", "", 1500, at(16, 16, 56)), carol]


def test_utmp_path_overrides_the_root():
    utmp = os.path.join(scenario_samples("logins")[1].root, "var", "run", "utmp")
    fs = proc.ProcFS(scenario_samples("idle-host")[0].root, utmp_path=utmp)
    assert [s.user for s in fs.sessions()] == ["alice", "carol"]
    assert [s.user for s in proc.read_utmp(utmp)] == ["alice", "carol"]


def test_truncated_utmp(caplog):
    fs = scenario_samples("truncated-utmp")[0]
    assert [(s.user, s.line, s.host) for s in fs.sessions()] == [
        ("alice", "pts/0", "10.0.0.5"),
        ("bob", "pts/1", "192.168.1.20"),
    ]
    assert "short trailing record of 100 bytes ignored" in caplog.text


def test_logind_sessions_when_there_is_no_utmp(caplog):
    s0, s1 = scenario_samples("logind-no-utmp")
    bob = ("bob", "-", "2001:db8::7", 1500, at(16, 13, 20))
    with caplog.at_level(logging.INFO, logger="proc"):
        assert users(s0) == [("alice", "pts/0", "10.0.0.5", 1300, at(16, 10, 0)), bob]
        s0.sessions()
    assert caplog.text.count("logins read from logind") == 1
    assert users(s1) == [bob, ("carol", "tty2", "", 1700, at(16, 16, 45))]


def test_logind_skips_fifos(tmp_path):
    sessions = tmp_path / "run" / "systemd" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "5").write_text("USER=dan\nTTY=pts/4\nCLASS=user\nLEADER=77\nREALTIME=1000000\n")
    os.mkfifo(sessions / "5.ref")
    os.mkfifo(sessions / "6")  # opening a FIFO would block the reading forever
    found = [(s.user, s.line, s.host, s.pid) for s in proc.ProcFS(str(tmp_path)).sessions()]
    assert found == [("dan", "pts/4", "", 77)]


def test_memory_and_disks():
    fs = scenario_samples("memory-disk-low")[0]
    assert fs.meminfo() == proc.Meminfo(4000000, 120000, 2000000, 300000)
    disks = fs.disks()
    assert [(d.mountpoint, d.device, d.fstype, d.blocks, d.bavail) for d in disks] == [
        ("/", "/dev/vda1", "ext4", 10000000, 2500000),
        ("/var", "/dev/vda2", "ext4", 10485760, 314573),
        ("/mnt/my disk", "/dev/sdb1", "vfat", 1000, 500),
    ]
    assert [round(d.free_percent, 1) for d in disks] == [25.0, 3.0, 50.0]


def test_every_scenario_has_a_readme(fixtures_dir):
    for name in os.listdir(fixtures_dir):
        if os.path.isdir(os.path.join(fixtures_dir, name, "0")):
            with open(os.path.join(fixtures_dir, name, "README")) as readme:
                assert readme.read().strip(), name


def test_live_recorded_scenario():
    assert top("live-recorded", n=1) == [
        (15033, "root", "python", "/work/venv/bin/python -c while True: pass", 43.1)
    ]
    fs = scenario_samples("live-recorded")[1]
    assert fs.loadavg() == proc.LoadAvg(2.66, 1.09, 0.44)
    assert fs.sessions() == []
    assert [d.mountpoint for d in fs.disks()] == ["/"]
