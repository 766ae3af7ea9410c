"""Reboot rule: the kernel's boot id changed since the state file was written."""

from __future__ import annotations

import time

from ttalertd.alerts import Alert
from ttalertd.memory import AlertMemory
from ttalertd.readings import Reading


def check_reboot(reading: Reading, memory: AlertMemory) -> list[Alert]:
    # btime alone moves when the clock is set after boot; the boot id changes only at a boot
    if reading.boot_id is None:
        return []
    previous, memory.boot_id = memory.boot_id, reading.boot_id
    if previous is None or previous == reading.boot_id:
        return []
    booted = reading.btime if reading.btime is not None else reading.time - (reading.uptime or 0)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(booted))
    return [Alert("reboot", f"rebooted at {when}", f"reboot:{reading.boot_id}", starts_at=booted)]
