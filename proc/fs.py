"""ProcFS: one reading interface over a mount point, the live "/" or a recorded sample directory."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pwd
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from proc._io import TYPE_CHECKING, _or_skip, _read_or_skip, read_file
from proc._text import decode
from proc.errors import ParseError
from proc.loadavg import LoadAvg, parse_loadavg
from proc.logind import read_logind_sessions
from proc.meminfo import Meminfo, parse_meminfo
from proc.mounts import DiskUsage, parse_mounts, real_mounts
from proc.passwd import parse_passwd
from proc.pid_stat import PidStat, parse_pid_stat
from proc.stat_fds import StatReader
from proc.system_stat import SystemStat, parse_system_stat
from proc.uptime import Uptime, parse_uptime
from proc.utmp import Session, parse_utmp

if TYPE_CHECKING:
    from proc._io import T

log = logging.getLogger("proc.fs")


@dataclass(slots=True, frozen=True)
class Snapshot:
    """One reading of the system: what two readings need to rank processes by CPU.

    Plain data: it names the root it was read from, and holds no reader of it.
    """

    uptime: float | None
    load: LoadAvg | None
    stats: dict[int, PidStat]
    btime: int | None
    wall_time: float  # btime + uptime when both are known, else the clock at reading
    root: str = "/"  # the tree it was read from: the live "/" or a recorded sample directory
    live: bool = False  # read from the running kernel (its figures are whole centiseconds)
    cpu_count: int | None = None  # cpuN lines of proc/stat: no process can use more than all


class ProcFS:
    """Kernel files under `root` (default the live "/"); a recorded sample is read the same way."""

    def __init__(self, root: str = "/", utmp_path: str | None = None) -> None:
        self.root = root
        self.utmp_path = utmp_path
        self.is_live = os.path.realpath(root) == "/"
        self._proc = os.path.join(root, "proc")
        self._names: dict[int, str] | None = None  # uid -> name of a recorded root's etc/passwd
        self._live_names: dict[int, str] = {}
        self._session_source: str | None = None
        self._stat_reader: StatReader | None = None  # live only: stat descriptors kept open
        self._parsed: dict[bytes, PidStat] = {}  # the last pid_stats(): stat line -> its parse

    def __repr__(self) -> str:
        return f"ProcFS(root={self.root!r}, utmp_path={self.utmp_path!r})"

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    # system-wide files

    def loadavg(self) -> LoadAvg:
        return parse_loadavg(read_file(f"{self._proc}/loadavg"))

    def uptime(self) -> Uptime:
        return parse_uptime(read_file(f"{self._proc}/uptime"))

    def system_stat(self) -> SystemStat:
        data = _read_or_skip(f"{self._proc}/stat")
        return SystemStat(None, None) if data is None else parse_system_stat(data)

    def meminfo(self) -> Meminfo | None:
        """None when unreadable; a damaged field costs only its own value, with a warning."""
        data = _read_or_skip(f"{self._proc}/meminfo")
        if data is None:
            return None
        info = parse_meminfo(data)
        for name in info.unreadable:
            log.warning("%s/meminfo: %s unreadable, left out", self._proc, name)
        return info

    def boot_id(self) -> str | None:
        data = _read_or_skip(f"{self._proc}/sys/kernel/random/boot_id")
        return None if data is None else data.decode("ascii", "replace").strip() or None

    # processes

    def pid_stats(self) -> dict[int, PidStat]:
        """Every process's stat; one that exits or is hidden is skipped, a bad one is logged."""
        proc = self._proc
        stats: dict[int, PidStat] = {}
        # an idle process's stat line is byte-for-byte the last tick's: reuse that parse; 25% off
        # a tick of idle ones
        previous, parsed = self._parsed, {}
        for name, data in self._stat_files(proc):
            stat = previous.get(data)
            if stat is None:
                try:
                    stat = parse_pid_stat(data)
                except ParseError as exc:
                    log.warning("%s/%s/stat skipped: %s", proc, name, exc)
                    continue
            pid = int(name)  # the directory is the process: a damaged root may repeat a stat line
            if stat.pid != pid:
                stat = dataclasses.replace(stat, pid=pid)
            parsed[data] = stat
            stats[pid] = stat
        self._parsed = parsed
        return stats

    def _stat_files(self, proc: str) -> Iterable[tuple[str, bytes]]:
        if self.is_live:  # kept descriptors: one pread per process, not open+read+close (2x faster)
            if self._stat_reader is None:
                self._stat_reader = StatReader(proc)
            return self._stat_reader.read_all()
        return _recorded_stat_files(proc)

    def snapshot(self) -> Snapshot:
        """Read everything a tick needs; a bad loadavg or uptime becomes None with a warning."""
        stats = self.pid_stats()
        uptime = self._or_none(self.uptime, "uptime")  # read after the stats: new pids predate it
        load = self._or_none(self.loadavg, "loadavg")
        system = self._or_none(self.system_stat, "stat")
        btime = system.btime if system is not None else None
        seconds = uptime.seconds if uptime is not None else None
        if btime is not None and seconds is not None:
            wall_time = btime + seconds
        else:
            wall_time = time.time()
        cpu_count = system.cpu_count if system is not None else None
        return Snapshot(seconds, load, stats, btime, wall_time, self.root, self.is_live,
                        cpu_count)

    def _or_none(self, read: Callable[[], T], what: str) -> T | None:
        try:
            return read()
        except (OSError, ParseError) as exc:
            log.warning("%s/%s unreadable, left out: %s", self._proc, what, exc)
            return None

    def uid(self, pid: int) -> int | None:
        """The effective uid: the 2nd field of the Uid: line of proc/<pid>/status."""
        data = _read_or_skip(f"{self._proc}/{pid}/status")
        if data is None:
            return None
        fields: list[bytes] = []
        for line in data.splitlines():
            if line.startswith(b"Uid:"):
                fields = line[4:].split()
                break
        if len(fields) < 2 or not fields[1].isdigit() or len(fields[1]) > 10:
            log.warning("%s/%d/status: no usable Uid: line", self._proc, pid)
            return None
        return int(fields[1])

    def user_name(self, uid: int) -> str:
        """The user name of uid (the uid itself where none is known)."""
        if self.is_live:
            name = self._live_names.get(uid)
            if name is None:
                try:
                    # pwd decodes with surrogateescape: one U+FFFD per byte, as elsewhere
                    name = decode(os.fsencode(pwd.getpwuid(uid).pw_name))
                except KeyError:
                    name = str(uid)
                self._live_names[uid] = name
            return name
        if self._names is None:
            data = _read_or_skip(self.path("etc", "passwd"))
            self._names = parse_passwd(data) if data is not None else {}
        return self._names.get(uid, str(uid))

    def cmdline(self, pid: int, comm: str | None = None) -> str:
        """argv joined by spaces; a kernel thread (no argv) shows as [comm], as ps does."""
        data = _read_or_skip(f"{self._proc}/{pid}/cmdline")
        if data:
            return decode(data.rstrip(b"\0").replace(b"\0", b" "))
        if comm is None:
            stat = _read_or_skip(f"{self._proc}/{pid}/stat")
            try:
                comm = parse_pid_stat(stat).comm if stat else ""
            except ParseError:
                comm = ""
        return f"[{comm}]" if comm else ""

    # logins and disks

    def sessions(self) -> list[Session]:
        """Logins from utmp, else from logind's session files, else none."""
        utmp_path = self.utmp_path or self.path("var", "run", "utmp")
        data = _read_or_skip(utmp_path)
        if data is not None:
            self._note_source(f"utmp {utmp_path}")
            sessions = parse_utmp(data)
            if self.is_live and self.utmp_path is None:
                sessions = [s for s in sessions if _pid_exists(s.pid)]  # as `who` does
            return sessions
        if self.utmp_path is not None:
            log.warning("utmp file %s not readable: no sessions", self.utmp_path)
            return []
        sessions_dir = self.path("run", "systemd", "sessions")
        if os.path.isdir(sessions_dir):
            self._note_source(f"logind {sessions_dir}")
            return read_logind_sessions(sessions_dir)
        self._note_source("none (no utmp, no logind)")
        return []

    def _note_source(self, source: str) -> None:
        if source != self._session_source:
            log.info("logins read from %s", source)
            self._session_source = source

    def disks(self) -> list[DiskUsage] | None:
        """Usage of the real filesystems: os.statvfs live, statvfs.json in a recorded root.

        None when the mount table cannot be read; a malformed statvfs.json is a ParseError."""
        data = _read_or_skip(f"{self._proc}/self/mounts")
        if data is None:
            return None
        recorded = None if self.is_live else self._recorded_statvfs()
        usages = []
        for mount in real_mounts(parse_mounts(data), live=recorded is None):
            if recorded is None:
                st = _or_skip(os.statvfs, mount.path or mount.mountpoint)
                numbers = None if st is None else (st.f_frsize, st.f_blocks, st.f_bavail)
            else:
                numbers = recorded.get(mount.mountpoint)
            if numbers is None or numbers[1] <= 0:
                continue
            usages.append(DiskUsage(mount.mountpoint, mount.device, mount.fstype, *numbers))
        return usages

    def _recorded_statvfs(self) -> dict[str, tuple[int, int, int]]:
        data = _read_or_skip(self.path("statvfs.json"))
        if data is None:
            return {}
        result: dict[str, tuple[int, int, int]] = {}
        try:
            for mountpoint, values in json.loads(data).items():
                result[mountpoint] = (int(values["bsize"]), int(values["blocks"]),
                                      int(values["bavail"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ParseError(f"{self.path('statvfs.json')}: malformed: {exc}") from None
        return result


def _recorded_stat_files(proc: str) -> Iterator[tuple[str, bytes]]:
    """(pid name, stat bytes) of a recorded root, read file by file (they never change under us)."""
    try:
        names = os.listdir(proc)
    except (FileNotFoundError, NotADirectoryError):
        log.warning("%s: no such directory, no processes read", proc)
        return
    for name in names:
        # "٣" is a digit to str.isdigit and "042" an int to int(), neither is a pid's directory
        if not (name.isascii() and name.isdigit()) or name.startswith("0"):
            continue
        data = _read_or_skip(f"{proc}/{name}/stat")
        if data is not None:
            yield name, data


def _pid_exists(pid: int) -> bool:
    """As `who` checks: kill(pid, 0) fails with ESRCH only when the pid is gone."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
