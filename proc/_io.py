"""Reading files under /proc, and the one place where a vanished or forbidden file becomes a
skip."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

TYPE_CHECKING = False  # typing costs ~3 ms of every start; T is for annotations only
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

# a process that exited (ENOENT, ESRCH) or that hidepid/permissions hide (EACCES, EPERM)
_SKIP_ERRNOS = frozenset({errno.ENOENT, errno.ESRCH, errno.EACCES, errno.EPERM})
_CHUNK = 4096


def read_file(path: str) -> bytes:
    """The whole file, read with os.open/os.read (procfs files report size 0, so read to EOF)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, _CHUNK)
        if len(data) < _CHUNK:
            return data
        parts = [data]
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
    finally:
        os.close(fd)


def _or_skip(call: Callable[..., T], *args: object) -> T | None:
    """call(*args), or None when what it reads vanished or may not be read; other errors
    propagate."""
    try:
        return call(*args)
    except OSError as exc:  # ProcessLookupError and PermissionError are OSErrors too
        if exc.errno in _SKIP_ERRNOS:
            return None
        raise


def _read_or_skip(path: str) -> bytes | None:
    """The file's bytes, or None when it vanished or may not be read (inlined: the hot path)."""
    try:
        return read_file(path)
    except OSError as exc:
        if exc.errno in _SKIP_ERRNOS:
            return None
        raise
