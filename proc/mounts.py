"""/proc/self/mounts: which filesystems are real (data can fill them), and their usage records."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from proc._text import decode

log = logging.getLogger("proc.mounts")

# not where data fills up: kernel interfaces, memory, layered and read-only images (always full)
PSEUDO_FSTYPES = frozenset({
    "proc", "sysfs", "cgroup", "cgroup2", "tmpfs", "devtmpfs", "overlay", "squashfs", "devpts",
    "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl",
    "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs", "ramfs", "selinuxfs",
    "iso9660", "erofs", "cramfs", "romfs", "nfsd", "rootfs", "none",
})  # fmt: skip
# statvfs on one of these blocks for as long as its server is away: never called live
NETWORK_FSTYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p", "afs", "lustre", "davfs",
})  # fmt: skip

_OCTAL_ESCAPE = re.compile(rb"\\([0-3][0-7]{2})")


@dataclass(slots=True, frozen=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str
    # the path as the kernel has it, for statvfs: `mountpoint` shows a byte that is no UTF-8
    # as U+FFFD, and no such path exists
    path: bytes = field(default=b"", compare=False, repr=False)


@dataclass(slots=True, frozen=True)
class DiskUsage:
    mountpoint: str
    device: str
    fstype: str
    bsize: int  # fragment size, the unit of blocks and bavail
    blocks: int
    bavail: int  # blocks available to unprivileged users

    @property
    def free_percent(self) -> float:
        return 100.0 * self.bavail / self.blocks if self.blocks else 100.0


def _unescape(raw: bytes) -> bytes:
    """The kernel writes space, tab, newline and backslash as \\040, \\011, \\012, \\134."""
    # the escapes stand for bytes: unescape first, then decode (\\303\\251 is one "é")
    return _OCTAL_ESCAPE.sub(lambda m: bytes((int(m.group(1), 8),)), raw)


def parse_mounts(data: bytes) -> list[Mount]:
    """Parse 'device mountpoint fstype options 0 0' lines; a short line is skipped with a
    warning."""
    mounts = []
    # lines end at \n only: the kernel escapes a newline in a path but writes a CR as it is
    for number, line in enumerate(data.split(b"\n"), 1):
        # fields part at spaces only: a CR or a form feed in a path is the path's
        fields = [part for part in line.split(b" ") if part]
        if not fields:
            continue
        if len(fields) < 3:
            log.warning("mounts line %d: too few fields, skipped: %r", number, line[:80])
            continue
        path = _unescape(fields[1])
        mounts.append(Mount(decode(_unescape(fields[0])), decode(path),
                            decode(_unescape(fields[2])), path))
    return mounts


def real_mounts(mounts: list[Mount], *, live: bool = False) -> list[Mount]:
    """Mounts where data can fill up, one per device (the shortest mountpoint: bind mounts are
    duplicates). `live` also leaves out network and FUSE filesystems, whose statvfs can hang."""
    by_device: dict[str, Mount] = {}
    for mount in mounts:
        if mount.fstype in PSEUDO_FSTYPES or (live and _may_hang(mount.fstype)):
            continue
        kept = by_device.get(mount.device)
        if kept is None or len(mount.mountpoint) < len(kept.mountpoint):
            by_device[mount.device] = mount
    kept_ids = {id(m) for m in by_device.values()}
    return [m for m in mounts if id(m) in kept_ids]


def _may_hang(fstype: str) -> bool:
    return fstype in NETWORK_FSTYPES or fstype.startswith("fuse.")
