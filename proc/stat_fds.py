"""Every live process's /proc/<pid>/stat, read through descriptors kept open from tick to tick.

open+read+close of a stat file is three syscalls, and the open (path walk, dentry, file) costs as
much as the read; a kept descriptor re-read with pread(fd, n, 0) is one syscall and halves a tick.
"""

from __future__ import annotations

import errno
import os
import resource

from proc._io import _SKIP_ERRNOS, read_file

_STAT_MAX = 4096  # a stat line is ~300 bytes (52 numbers and a 15-byte comm); 4096 is never reached
_SPARE_FDS = 256  # descriptors left for everything else the daemon opens (state, log, sockets)
_CACHE_CAP = 1 << 20  # never ask the kernel for more than this many descriptors


class StatReader:
    """Reads every /proc/<pid>/stat of `proc_dir`; keeps up to the fd limit's room of them open."""

    def __init__(self, proc_dir: str = "/proc") -> None:
        self.proc_dir = proc_dir
        self._fds: dict[str, int] = {}  # pid directory name -> open stat descriptor
        self._room: int | None = None  # how many descriptors the cache may hold

    def __del__(self) -> None:
        try:
            self.close()
        except (OSError, TypeError):  # at interpreter exit os may already be torn down
            pass

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}

    def read_all(self) -> list[tuple[str, bytes]]:
        """(pid name, stat bytes) of each process listed now; one that exited or is hidden is left
        out."""
        proc, kept, pread = self.proc_dir, self._fds, os.pread
        names = os.listdir(proc)
        room = self._grow_room(len(names))
        fresh: dict[str, int] = {}
        stats: list[tuple[str, bytes]] = []
        for name in names:
            if not name.isdigit():
                continue
            data: bytes | None = None
            fd = kept.pop(name, None)
            if fd is not None:
                try:
                    data = pread(fd, _STAT_MAX, 0)
                except OSError as exc:  # ESRCH: the process we knew exited; the pid may be reused
                    os.close(fd)
                    if exc.errno not in _SKIP_ERRNOS:
                        raise
                    fd = None
            if fd is None:
                data, fd = self._open_and_read(name, keep=len(fresh) < room)
            if data is None:
                continue
            if fd is not None:
                fresh[name] = fd
            if len(data) >= _STAT_MAX:  # never on Linux; read the whole file to be safe
                data = read_file(f"{proc}/{name}/stat")
            stats.append((name, data))
        for fd in kept.values():  # processes that exited since the last tick
            os.close(fd)
        self._fds = fresh
        return stats

    def _open_and_read(self, name: str, keep: bool) -> tuple[bytes | None, int | None]:
        try:
            fd = os.open(f"{self.proc_dir}/{name}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno in _SKIP_ERRNOS:
                return None, None
            if exc.errno != errno.EMFILE:
                raise
            self._room = 0  # out of descriptors: stop keeping any more of them
            try:
                return read_file(f"{self.proc_dir}/{name}/stat"), None
            except OSError as again:
                if again.errno in _SKIP_ERRNOS:
                    return None, None
                raise
        try:
            data = os.pread(fd, _STAT_MAX, 0)
        except OSError as exc:
            os.close(fd)
            if exc.errno in _SKIP_ERRNOS:
                return None, None
            raise
        if not keep:
            os.close(fd)
            return data, None
        return data, fd

    def _grow_room(self, wanted: int) -> int:
        """Room for `wanted` kept descriptors: raise the soft fd limit toward the hard one if
        needed."""
        if self._room == 0 or (self._room is not None and wanted <= self._room):
            return self._room  # 0: EMFILE was seen, the limit is not what it claims
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = min(wanted * 2 + _SPARE_FDS, _CACHE_CAP)  # doubling: rare raises as processes grow
        if soft != resource.RLIM_INFINITY and soft < need:
            new_soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
                soft = new_soft
            except (ValueError, OSError):
                pass
        limit = _CACHE_CAP if soft == resource.RLIM_INFINITY else soft
        self._room = max(0, min(limit - _SPARE_FDS, _CACHE_CAP))
        return self._room
