"""The parse functions of proc on hand-written kernel file contents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from utmp_writer import utmp_record

import proc
from proc.utmp import UTMP_32, UTMP_64, parse_utmp

STAT = (
    b"4242 (python3) R 1200 4242 1200 34816 4242 4194304 1500 0 0 0 20990 105 0 0 20 0 3 0 "
    b"60000 25000000 2500 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0\n"
)


def test_pid_stat_fields():
    assert proc.parse_pid_stat(STAT) == proc.PidStat(
        4242, "python3", "R", 1200, 20990, 105, 3, 60000
    )


@pytest.mark.parametrize("comm", ["a) (b", "tmux: server", "(sd-pam)", ")", "(", "x ) y ) z", ""])
def test_pid_stat_comm_with_spaces_and_parens(comm):
    line = STAT.replace(b"(python3)", b"(" + comm.encode() + b")")
    parsed = proc.parse_pid_stat(line)
    assert (parsed.comm, parsed.utime, parsed.stime, parsed.starttime) == (comm, 20990, 105, 60000)


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"garbage",
        b"12 (x) S 1 2 3\n",
        STAT.replace(b" 20990 ", b" abc "),
        STAT.replace(b" 60000 ", b" -5 "),
        STAT.replace(b"4242 (", b"x (", 1),
        b"12 )x( S" + b" 0" * 30,
    ],
)
def test_pid_stat_malformed_raises_parse_error(line):
    with pytest.raises(proc.ParseError):
        proc.parse_pid_stat(line)


def test_loadavg_and_uptime():
    assert proc.parse_loadavg(b"0.52 0.40 0.31 1/234 5678\n") == proc.LoadAvg(0.52, 0.40, 0.31)
    # the figures as written, for the alert line: "3.5" stays "3.5"
    assert proc.parse_loadavg(b"3.5 2.10 1.3 1/2 3").text == "3.5 2.10 1.3"
    assert proc.parse_uptime(b"1010.00 3980.50\n") == proc.Uptime(1010.0, 3980.5)
    assert proc.parse_uptime(b"1010.25\n") == proc.Uptime(1010.25, 0.0)


@pytest.mark.parametrize("data", [b"", b"1.0 2.0", b"a b c", b"nan 1 1", b"-1 0 0", b"1 inf 2"])
def test_loadavg_malformed(data):
    with pytest.raises(proc.ParseError):
        proc.parse_loadavg(data)


@pytest.mark.parametrize("data", [b"", b"  \n", b"x 1", b"-3 1", b"1 nan"])
def test_uptime_malformed(data):
    with pytest.raises(proc.ParseError):
        proc.parse_uptime(data)


def test_system_stat():
    data = b"cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\ncpu2 1 2 3 4\nintr 5\nbtime 1764000000\n"
    assert proc.parse_system_stat(data) == proc.SystemStat(3, 1764000000)
    assert proc.parse_system_stat(b"intr 5\n") == proc.SystemStat(None, None)
    with pytest.raises(proc.ParseError):
        proc.parse_system_stat(b"cpu0 1\nbtime soon\n")


def test_meminfo():
    data = (
        b"MemTotal: 100 kB\nMemFree: 5 kB\nMemAvailable: 40 kB\nSwapTotal: 8 kB\nSwapFree: 2 kB\n"
    )
    assert proc.parse_meminfo(data) == proc.Meminfo(100, 40, 8, 2)
    # an old kernel without MemAvailable, and no swap lines at all
    assert proc.parse_meminfo(b"MemTotal: 100 kB\n") == proc.Meminfo(100, None, 0, 0)
    for bad in (b"MemFree: 5 kB\n", b"MemTotal: lots\n", b"MemTotal:\n"):
        with pytest.raises(proc.ParseError):
            proc.parse_meminfo(bad)


def test_mounts_unescape_and_real_filter():
    data = (
        b"proc /proc proc rw 0 0\n/dev/vda1 / ext4 rw 0 0\n/dev/vda2 /srv/bind ext4 rw 0 0\n"
        b"/dev/vda2 /var ext4 rw 0 0\noverlay /m overlay rw 0 0\ntmpfs /run tmpfs rw 0 0\n"
        b"/dev/sdb1 /mnt/my\\040disk vfat rw 0 0\npool/data /pool/data zfs rw 0 0\nshort\n"
    )
    mounts = proc.parse_mounts(data)
    assert len(mounts) == 8  # the one-field line is skipped
    assert mounts[6] == proc.Mount("/dev/sdb1", "/mnt/my disk", "vfat")
    real = [m.mountpoint for m in proc.real_mounts(mounts)]
    assert real == ["/", "/var", "/mnt/my disk", "/pool/data"]  # /srv/bind: same device as /var


def test_network_and_image_filesystems():
    mounts = proc.parse_mounts(
        b"/dev/vda1 / ext4 rw 0 0\nnas:/export /mnt/nas nfs4 rw 0 0\n"
        b"/dev/sr0 /media/cd iso9660 ro 0 0\n/dev/loop3 /snap/core/1 squashfs ro 0 0\n"
        b"rclone: /mnt/cloud fuse.rclone rw 0 0\n/dev/sdc1 /usb fuseblk rw 0 0\n")
    # a recorded sample is read as it was: a network filesystem counts
    assert [m.mountpoint for m in proc.real_mounts(mounts)] == [
        "/", "/mnt/nas", "/mnt/cloud", "/usb"]
    # live, statvfs on a network or FUSE mount can block for as long as its server is away
    assert [m.mountpoint for m in proc.real_mounts(mounts, live=True)] == ["/", "/usb"]


def test_disk_usage_free_percent():
    assert proc.DiskUsage("/", "/dev/vda1", "ext4", 4096, 1000, 250).free_percent == 25.0


def test_passwd():
    data = b"root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nalice:x:1000:1000::/h:/bin/sh\n"
    assert proc.parse_passwd(data) == {0: "root", 1000: "alice"}


def test_utmp_layouts_have_glibc_sizes():
    assert (UTMP_32.size, UTMP_64.size) == (384, 400)
    sizes = [len(utmp_record(7, 1, "l", "u", machine=m)) for m in ("x86_64", "aarch64")]
    assert sizes == [384, 400]


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_utmp_records(machine):
    data = b"".join(
        [
            utmp_record(2, 0, "~", "reboot", "6.1.0", 1764000000, machine=machine),
            utmp_record(7, 1300, "pts/0", "alice", "10.0.0.5", 1764000600, 250, machine=machine),
            utmp_record(7, 1301, "pts/1", "", "10.0.0.6", 1764000601, machine=machine),
            utmp_record(8, 1250, "tty1", "", "", 1764000700, machine=machine),
            # a full 32-byte user field has no NUL: it must still end at the field's end
            utmp_record(7, 1400, "tty2", "u" * 32, "h" * 256, 1764000800, machine=machine),
        ]
    )
    sessions = parse_utmp(data, machine=machine)
    assert [(s.user, s.line, s.host, s.pid) for s in sessions] == [
        ("alice", "pts/0", "10.0.0.5", 1300),
        ("u" * 32, "tty2", "h" * 256, 1400),
    ]
    assert sessions[0].since == datetime(2025, 11, 24, 16, 10, 0, 250, tzinfo=UTC)
    assert sessions[1].since == datetime(2025, 11, 24, 16, 13, 20, tzinfo=UTC)


def test_utmp_short_trailing_record_is_ignored_with_warning(caplog):
    record = utmp_record(7, 1300, "pts/0", "alice", "10.0.0.5", 1764000600)
    assert [s.user for s in parse_utmp(record * 2 + record[:100])] == ["alice", "alice"]
    assert "short trailing record of 100 bytes" in caplog.text


def test_utmp_field_with_bad_utf8_is_replaced():
    raw = utmp_record(7, 9, "pts/3", b"\xffbob", sec=5, machine="x86_64")
    assert parse_utmp(raw, machine="x86_64")[0].user == "\ufffdbob"


def test_one_bad_meminfo_field_costs_that_value_alone():
    """A negative MemAvailable made the whole reading null, MemTotal and swap included."""
    data = (b"MemTotal: 100 kB\nMemAvailable: -40 kB\nSwapTotal: 8 kB\nSwapFree: 2 kB\n")
    assert proc.parse_meminfo(data) == proc.Meminfo(100, None, 8, 2, ("MemAvailable",))
    data = b"MemTotal: 100 kB\nMemAvailable: 40 kB\nSwapTotal: 8 kB\nSwapFree: x kB\n"
    # free swap unknown: used swap is unknown too, read as no swap (0), as psutil does
    assert proc.parse_meminfo(data) == proc.Meminfo(100, 40, 0, 0, ("SwapFree",))
    with pytest.raises(proc.ParseError, match="damaged MemTotal"):
        proc.parse_meminfo(b"MemTotal: -100 kB\nMemAvailable: 40 kB\n")


def test_a_bad_meminfo_field_is_one_warning_and_the_rest_is_read(tmp_path, caplog):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "meminfo").write_bytes(
        b"MemTotal: 4000 kB\nMemAvailable: -1 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n")
    assert proc.ProcFS(str(tmp_path)).meminfo() == proc.Meminfo(4000, None, 0, 0,
                                                                 ("MemAvailable",))
    assert "MemAvailable unreadable" in caplog.text


def test_processes_are_keyed_by_their_directory_not_their_stat_line(tmp_path):
    """Two directories with the same stat line stay two processes (a damaged or recorded root)."""
    for name in ("4242", "4243", "٣", "0042"):
        (tmp_path / "proc" / name).mkdir(parents=True)
        (tmp_path / "proc" / name / "stat").write_bytes(STAT)
    stats = proc.ProcFS(str(tmp_path)).pid_stats()
    assert sorted(stats) == [4242, 4243]
    assert [stats[pid].pid for pid in sorted(stats)] == [4242, 4243]
