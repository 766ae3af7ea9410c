"""Reboot rule: the kernel's boot id changed since the state file was written."""

from __future__ import annotations

import time
from collections.abc import Callable

from ttalertd.alert import Alert
from ttalertd.read.reading import Reading
from ttalertd.state.memory import AlertMemory


def check_reboot(reading: Reading, memory: AlertMemory,
                 local: Callable[[float], time.struct_time]) -> list[Alert]:
    # btime alone moves when the clock is set after boot; the boot id changes only at a boot
    if reading.boot_id is None:
        return []
    previous, memory.boot_id = memory.boot_id, reading.boot_id
    if previous is None or previous == reading.boot_id:
        return []
    booted = reading.btime if reading.btime is not None else reading.time - (reading.uptime or 0)
    at = time.strftime("%Y-%m-%d %H:%M", local(booted))
    text = f"rebooted at {at}{_downtime(memory, booted, local)}"
    return [Alert("reboot", text, f"reboot:{reading.boot_id}", starts_at=booted)]


def _downtime(memory: AlertMemory, booted: float,
              local: Callable[[float], time.struct_time]) -> str:
    """' (down 6 min, clean shutdown)': how long since the daemon last ran, and how it stopped,
    which tells a planned reboot from a crash or a power cut; '' where the state does not say."""
    last = memory.stopped if memory.stopped is not None else memory.last_tick
    if last is None:
        return ""
    down = max(0, int((booted - last) // 60))
    if memory.stopped is not None:
        return f" (down {down} min, clean shutdown)"
    assert memory.last_tick is not None
    return (f" (down {down} min, no clean shutdown: last tick "
            f"{time.strftime('%H:%M', local(memory.last_tick))})")
