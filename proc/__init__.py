"""Readings straight from kernel files (/proc, utmp, logind): load, processes, logins, memory,
disks.

No subprocess and no psutil: every reading is a parse of a file, so a recorded tree under another
root is read by the same code as the live "/".
"""

from proc.errors import ParseError
from proc.fs import ProcFS, Snapshot
from proc.loadavg import LoadAvg, parse_loadavg
from proc.logind import read_logind_sessions
from proc.meminfo import Meminfo, parse_meminfo
from proc.mounts import DiskUsage, Mount, parse_mounts, real_mounts
from proc.passwd import parse_passwd
from proc.pid_stat import PidStat, parse_pid_stat
from proc.system_stat import SystemStat, parse_system_stat
from proc.top import CLK_TCK, ProcessRow, Ranked, cpu_percent, new_pids, rank, top_processes
from proc.uptime import Uptime, parse_uptime
from proc.utmp import USER_PROCESS, Session, parse_utmp, read_utmp

__all__ = [
    "CLK_TCK", "USER_PROCESS", "DiskUsage", "LoadAvg", "Meminfo", "Mount", "ParseError", "PidStat",
    "ProcFS", "ProcessRow", "Ranked", "Session", "Snapshot", "SystemStat", "Uptime", "cpu_percent",
    "new_pids", "parse_loadavg", "parse_meminfo", "parse_mounts", "parse_passwd", "parse_pid_stat",
    "parse_system_stat", "parse_uptime", "parse_utmp", "rank", "read_logind_sessions", "read_utmp",
    "real_mounts", "top_processes",
]  # fmt: skip
