"""Resident memory of a process tree: distinct physical pages (root), besides the sum of RSS.

Summed RSS counts a page twice when two processes of the tree map it (the interpreter's code,
pages a forked child has not written). /proc/PID/pagemap gives each resident page's frame number
(to root only), so the tree's real footprint is the number of distinct frames it maps.
"""

from __future__ import annotations

import os
import struct

PAGE = os.sysconf("SC_PAGE_SIZE")
_PRESENT = 1 << 63
_PFN_MASK = (1 << 55) - 1


def tree_pids(root: int) -> list[int]:
    """`root` and its descendants alive now (children via /proc/PID/task/*/children)."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(child) for child in f.read().split()]
            except OSError:
                pass
    return pids


def rss_kb(pid: int) -> int:
    """VmRSS of one process (0 when gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def frames(pid: int) -> set[int]:
    """Physical frame numbers of the resident pages of `pid` (empty when gone or not root)."""
    found: set[int] = set()
    try:
        with open(f"/proc/{pid}/maps") as maps:
            ranges = [line.split(None, 1)[0] for line in maps]
        pagemap = os.open(f"/proc/{pid}/pagemap", os.O_RDONLY)
    except OSError:
        return found
    try:
        for text in ranges:
            start, end = (int(x, 16) // PAGE for x in text.split("-"))
            if end - start > 1 << 20:  # a huge reservation (no one touches 4 GB): skip
                continue
            try:
                data = os.pread(pagemap, (end - start) * 8, start * 8)
            except OSError:
                continue
            for entry in struct.unpack(f"{len(data) // 8}Q", data):
                if entry & _PRESENT:
                    pfn = entry & _PFN_MASK
                    if pfn:
                        found.add(pfn)
    finally:
        os.close(pagemap)
    return found


def tree_memory(root: int) -> dict[str, int]:
    """Now: the tree's process count, summed RSS (kB), distinct resident pages (kB, 0 unless
    root)."""
    pids = tree_pids(root)
    union: set[int] = set()
    for pid in pids:
        union |= frames(pid)
    return {"processes": len(pids), "rss_sum_kb": sum(rss_kb(pid) for pid in pids),
            "distinct_kb": len(union) * PAGE // 1024}  # fmt: skip
