"""utmp records for the tests, written byte by byte at glibc's offsets (bits/utmp.h).

Independent of proc/utmp.py on purpose: the parser's own struct layouts are never used here, so
a wrong offset there shows up as a failed test instead of being written and read back the same.
"""

from __future__ import annotations

import os
import sys

# (offset, size) of each field; 384-byte records on x86_64 and the 32-bit ABIs, where ut_session
# and ut_tv stay 32-bit (__WORDSIZE_TIME64_COMPAT32); 400 bytes on aarch64, where they are longs
_X86_64 = {"type": (0, 2), "pid": (4, 4), "line": (8, 32), "id": (40, 4), "user": (44, 32),
           "host": (76, 256), "exit": (332, 4), "session": (336, 4), "tv_sec": (340, 4),
           "tv_usec": (344, 4), "addr_v6": (348, 16), "size": (384, 0)}
_AARCH64 = {"type": (0, 2), "pid": (4, 4), "line": (8, 32), "id": (40, 4), "user": (44, 32),
            "host": (76, 256), "exit": (332, 4), "session": (336, 8), "tv_sec": (344, 8),
            "tv_usec": (352, 8), "addr_v6": (360, 16), "size": (400, 0)}


def offsets(machine: str | None = None) -> dict[str, tuple[int, int]]:
    """The field offsets on `machine` (default: this one)."""
    machine = machine if machine is not None else os.uname().machine
    return _AARCH64 if machine.lower() in ("aarch64", "arm64") else _X86_64


def utmp_record(rtype: int, pid: int, line: str | bytes, user: str | bytes,
                host: str | bytes = "", sec: int = 0, usec: int = 0, ut_id: str = "",
                machine: str | None = None) -> bytes:
    """One record in glibc's layout for `machine` (default: this one), in this machine's byte
    order; bytes fields go in as they are, so a test can write what is no UTF-8."""
    layout = offsets(machine)
    record = bytearray(layout["size"][0])

    def put_int(field: str, value: int) -> None:
        offset, size = layout[field]
        record[offset:offset + size] = value.to_bytes(size, sys.byteorder, signed=True)

    def put_text(field: str, value: bytes) -> None:
        offset, size = layout[field]
        assert len(value) <= size, f"{field} holds at most {size} bytes"
        record[offset:offset + len(value)] = value  # the rest stays NUL

    put_int("type", rtype)
    put_int("pid", pid)
    put_text("line", line if isinstance(line, bytes) else line.encode())
    put_text("id", ut_id.encode())
    put_text("user", user if isinstance(user, bytes) else user.encode())
    put_text("host", host if isinstance(host, bytes) else host.encode())
    put_int("tv_sec", sec)
    put_int("tv_usec", usec)
    return bytes(record)
