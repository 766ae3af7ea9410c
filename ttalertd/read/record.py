"""Record the live system as a fixture scenario (interface.md section 3), for `ttalertd record`."""

from __future__ import annotations

import json
import os
import time

from proc._io import _or_skip, _read_or_skip, read_file
from proc.fs import ProcFS

_SYSTEM_FILES = ("loadavg", "stat", "meminfo", "sys/kernel/random/boot_id", "self/mounts")
_PID_FILES = ("status", "cmdline")


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)


def _record_processes(proc: str, dest_proc: str) -> None:
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        stat = _read_or_skip(f"{proc}/{name}/stat")
        if stat is None:
            continue  # exited or hidden
        _write(f"{dest_proc}/{name}/stat", stat)
        for file in _PID_FILES:
            data = _read_or_skip(f"{proc}/{name}/{file}")
            if data is not None:
                _write(f"{dest_proc}/{name}/{file}", data)


def record_sample(fs: ProcFS, dest: str) -> None:
    """Write one sample root: processes first, then uptime (as snapshot() reads them), the rest."""
    proc, dest_proc = fs.path("proc"), os.path.join(dest, "proc")
    _record_processes(proc, dest_proc)
    _write(f"{dest_proc}/uptime", read_file(f"{proc}/uptime"))
    for file in _SYSTEM_FILES:
        data = read_file(f"{proc}/{file}") if file == "loadavg" else _read_or_skip(f"{proc}/{file}")
        if data is not None:
            _write(f"{dest_proc}/{file}", data)
    utmp = _read_or_skip(fs.utmp_path or fs.path("var", "run", "utmp"))
    if utmp is not None:
        _write(os.path.join(dest, "var", "run", "utmp"), utmp)
    sessions_dir = fs.path("run", "systemd", "sessions")
    for entry in _or_skip(lambda: list(os.scandir(sessions_dir))) or []:
        if entry.name.endswith(".ref") or not entry.is_file(follow_symlinks=False):
            continue  # the *.ref FIFOs would block
        data = _read_or_skip(entry.path)
        if data is not None:
            _write(os.path.join(dest, "run", "systemd", "sessions", entry.name), data)
    passwd = _read_or_skip(fs.path("etc", "passwd"))
    if passwd is not None:
        _write(os.path.join(dest, "etc", "passwd"), passwd)
    usage = {d.mountpoint: {"bsize": d.bsize, "blocks": d.blocks, "bavail": d.bavail}
             for d in fs.disks() or ()}  # fmt: skip
    _write(os.path.join(dest, "statvfs.json"), json.dumps(usage, indent=1).encode() + b"\n")


def record(
    dest_dir: str, samples: int = 2, interval: float = 2.0, fs: ProcFS | None = None
) -> None:
    """Write `samples` samples of the system, `interval` seconds apart, as DEST/0, DEST/1, ..."""
    fs = fs if fs is not None else ProcFS("/")
    for index in range(samples):
        if index:
            time.sleep(interval)
        record_sample(fs, os.path.join(dest_dir, str(index)))
