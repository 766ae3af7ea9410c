"""Memory, swap and disk rules: a share of a resource past its limit, recovered past it with the
ratio."""

from __future__ import annotations

from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.read.reading import Reading
from ttalertd.rules.condition import Change, above, advance, below, percent, size
from ttalertd.state.memory import AlertMemory
from ttalertd.untrusted import printable

KIB = 1024


def check_resources(reading: Reading, memory: AlertMemory, config: Config
                    ) -> list[tuple[Alert, Change]]:
    _forget_unwatched(reading, memory, config)
    out = []
    out += _memory(reading, memory, config)
    out += _swap(reading, memory, config)
    out += _disks(reading, memory, config)
    return out


def _forget_unwatched(reading: Reading, memory: AlertMemory, config: Config) -> None:
    """A rule switched off, or a disk unmounted, can never recover: drop its condition quietly."""
    mounted = {f"disk:{d.mountpoint}" for d in reading.disks}
    for key, cond in list(memory.conditions.items()):
        gone = (
            (cond.kind == "memory" and config.mem_available_min is None)
            or (cond.kind == "swap" and config.swap_used_max is None)
            or (cond.kind == "disk" and (config.disk_free_min is None
                                         # an unreadable mount table says nothing of a disk
                                         or (reading.disks and key not in mounted)))
        )
        if gone:
            del memory.conditions[key]


def _step(memory: AlertMemory, config: Config, now: float, key: str, kind: str, *,
          over: bool, recovered: bool, fire_text: str, recover_text: str,
          labels: tuple[tuple[str, str], ...] = ()) -> list[tuple[Alert, Change]]:
    before = memory.conditions.get(key)
    since = before.since if before else now
    cond, change = advance(before, kind, over=over, recovered=recovered,
                           for_ticks=config.for_ticks, now=now)
    if cond is None:
        memory.conditions.pop(key, None)
    else:
        memory.conditions[key] = cond
        cond.labels = dict(labels)
    if change is Change.FIRE:
        assert cond is not None  # advance() fires only a condition it keeps
        cond.text = fire_text
        return [(Alert(kind, fire_text, key, labels=labels, starts_at=cond.since), change)]
    if change is Change.RECOVER:
        return [(Alert(kind, recover_text, key, recovery=True, labels=labels,
                       starts_at=since), change)]
    return []


def _memory(reading: Reading, memory: AlertMemory,
            config: Config) -> list[tuple[Alert, Change]]:
    info, limit = reading.memory, config.mem_available_min
    if limit is None or info is None or info.available_kib is None or info.total_kib <= 0:
        return []
    pct = 100.0 * info.available_kib / info.total_kib
    return _step(
        memory, config, reading.time, "memory", "memory",
        over=pct < limit, recovered=pct > above(limit, config.recover_ratio),
        fire_text=f"memory low: {percent(pct)} available "
                  f"({size(info.available_kib * KIB)} of {size(info.total_kib * KIB)})",
        recover_text=f"memory back to normal: {percent(pct)} available",
    )


def _swap(reading: Reading, memory: AlertMemory,
          config: Config) -> list[tuple[Alert, Change]]:
    info, limit = reading.memory, config.swap_used_max
    if limit is None or info is None or info.swap_total_kib <= 0:
        return []
    pct = 100.0 * (info.swap_total_kib - info.swap_free_kib) / info.swap_total_kib
    return _step(
        memory, config, reading.time, "swap", "swap",
        over=pct > limit, recovered=pct < below(limit, config.recover_ratio),
        fire_text=f"swap {percent(pct)} used",
        recover_text=f"swap back to normal: {percent(pct)} used",
    )


def _disks(reading: Reading, memory: AlertMemory,
           config: Config) -> list[tuple[Alert, Change]]:
    limit = config.disk_free_min
    if limit is None:
        return []
    out = []
    for disk in reading.disks:
        if disk.blocks <= 0:
            continue
        pct = 100.0 * disk.bavail / disk.blocks
        mount = printable(disk.mountpoint)  # any user may name a mount point (udisks, FUSE)
        out += _step(
            memory, config, reading.time, f"disk:{disk.mountpoint}", "disk",
            over=pct < limit, recovered=pct > above(limit, config.recover_ratio),
            fire_text=f"disk {mount}: {percent(pct)} free "
                      f"({size(disk.bavail * disk.bsize)} of {size(disk.blocks * disk.bsize)})",
            recover_text=f"disk {mount} back to normal: {percent(pct)} free",
            labels=(("mountpoint", mount),),
        )
    return out
