"""Reboot rule: the kernel's boot id changed since the state file was written."""

from __future__ import annotations

import time
from collections.abc import Callable

from ttalertd.read.reading import Reading
from ttalertd.rules.alert import Alert
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
    when = time.strftime("%Y-%m-%d %H:%M", local(booted))
    return [Alert("reboot", f"rebooted at {when}", f"reboot:{reading.boot_id}", starts_at=booted)]
