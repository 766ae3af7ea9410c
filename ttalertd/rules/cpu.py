"""CPU rule: a process over CPU_LIMIT, told once per command name until it recovers or a reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttalertd.alert import Alert
from ttalertd.config.records import Config
from ttalertd.read.reading import Reading
from ttalertd.rules.condition import Change, below
from ttalertd.state.memory import AlertMemory, Condition
from ttalertd.untrusted import printable

if TYPE_CHECKING:  # annotations only: the rules never load the readers
    import proc

MAX_CMDLINE = 200  # one java classpath must not push every other line out of the SMS


def key(name: str) -> str:
    return f"cpu:{name}"


def excluded(row: proc.ProcessRow, config: Config) -> bool:
    return any(p.search(row.name) or p.search(row.cmdline) for p in config.exclude_processes)


def alert_line(row: proc.ProcessRow) -> str:
    """`cpu 99.5% pid 4242 bob python3: python3 spin.py`; name, user and cmdline are the user's
    own writing, so made printable (section 6)."""
    cmdline = row.cmdline if len(row.cmdline) <= MAX_CMDLINE else row.cmdline[:MAX_CMDLINE] + "..."
    user = printable(row.user) if row.user is not None else "?"
    return f"cpu {row.cpu}% pid {row.pid} {user} {printable(row.name)}: {printable(cmdline)}"


def check_cpu(reading: Reading, memory: AlertMemory, config: Config, *, rebooted: bool = False
              ) -> list[tuple[Alert, Change]]:
    limit = config.cpu_limit
    rows = [r for r in reading.top if r.cpu is not None and not excluded(r, config)]
    # a process born inside the window is measured over its own short life (a 50 ms helper shows
    # 90%): it cannot alert; its streak starts with its first whole window it lived through
    young = reading.young_pids()
    grown = [r for r in rows if r.pid not in young]
    over = [r for r in grown if (r.cpu or 0.0) > limit]
    # streaks follow one process: a pid seen in one sample only can never hold two ticks
    streaks: dict[int, list[float]] = {}
    for r in over:
        start = _start(reading, r.pid)
        known = None if rebooted else memory.cpu_streaks.get(r.pid)
        if known is not None and len(known) > 2 and start is not None and known[2] != start:
            known = None  # the pid now belongs to another process (across a restart too)
        count, since = (known[0], known[1]) if known else (0, reading.time)
        streaks[r.pid] = [count + 1, since] + ([start] if start is not None else [])
    memory.cpu_streaks = streaks
    # recoveries first: a condition ended (exited at a reboot) lets its name alert afresh
    out = _recoveries(reading, rows, memory, config, rebooted=rebooted)
    for row in over:
        k = key(row.name)
        cond = memory.conditions.get(k)
        if streaks[row.pid][0] < config.for_ticks or (cond is not None and cond.told):
            continue
        cond = cond or Condition(kind="cpu", since=streaks[row.pid][1])
        cond.firing = cond.told = True
        cond.pid, cond.start = row.pid, _start(reading, row.pid)
        cond.text = alert_line(row)
        cond.labels = {"process": printable(row.name)}
        memory.conditions[k] = cond
        out.append((Alert("cpu", cond.text, k, labels=(("process", printable(row.name)),),
                          starts_at=cond.since), Change.FIRE))
    return out


def _start(reading: Reading, pid: int) -> int | None:
    if reading.identities is None:
        return None
    identity = reading.identities.get(pid)
    return None if identity is None else identity[0]


def _same_process(reading: Reading, cond: Condition, name: str) -> bool:
    """The condition's pid is still the process alerted about: same start time and name."""
    if reading.identities is None:  # a caller without identities: only the pid sets are known
        return cond.pid in reading.pids and cond.pid not in reading.new_pids
    identity = reading.identities.get(cond.pid) if cond.pid is not None else None
    if identity is None or identity[1] != name:
        return False
    return cond.start is None or identity[0] == cond.start


def _recoveries(reading: Reading, rows: list[proc.ProcessRow], memory: AlertMemory,
                config: Config, *, rebooted: bool) -> list[tuple[Alert, Change]]:
    floor = below(config.cpu_limit, config.recover_ratio)
    out: list[tuple[Alert, Change]] = []
    for k, cond in list(memory.conditions.items()):
        if cond.kind != "cpu" or not cond.firing:
            continue
        name = k[len("cpu:"):]
        busy = [] if rebooted else [r for r in rows if r.name == name and (r.cpu or 0.0) >= floor]
        if busy:
            if cond.pid not in {r.pid for r in busy}:
                # another process of that name carries the incident on
                cond.pid, cond.start = busy[0].pid, _start(reading, busy[0].pid)
            continue
        if not rebooted and cond.pid is not None and _same_process(reading, cond, name):
            if not _known_below(cond.pid, reading, floor):
                continue  # out of the top N, but not known to be under the line
            text = f"{printable(name)} (pid {cond.pid}) back under {config.cpu_limit:g}% cpu"
        else:  # gone, its pid reused by another process, or a reboot ended every process
            text = f"{printable(name)} (pid {cond.pid}) exited"
        del memory.conditions[k]
        out.append((Alert("cpu", text, k, recovery=True, labels=(("process", printable(name)),),
                          starts_at=cond.since), Change.RECOVER))
    return out


def _known_below(pid: int, reading: Reading, floor: float) -> bool:
    for row in reading.top:
        if row.pid == pid:
            return row.cpu is not None and row.cpu < floor
    # not ranked: below the last ranked row, or every process was ranked
    if len(reading.top) < reading.top_n:
        return True
    last = reading.top[-1].cpu
    return last is not None and last < floor
