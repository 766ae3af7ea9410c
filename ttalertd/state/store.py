"""The remember step: memory.json in parts read apart, written atomically (interface.md section 13).

A part that is damaged (a wrong-typed value, a condition kind this version does not know) or
unknown is dropped with a warning naming it; the others are kept. A file that cannot be read, is
not a regular file or is too large is never replaced (StateError: exit 2). One that does not parse
is moved aside, after its kept messages are logged in full (ttalertd.state.salvage).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ttalertd.alert import CONDITION_KINDS
from ttalertd.state.memory import AlertMemory, check_held
from ttalertd.state.peers import peers_part
from ttalertd.state.phone import check_phone_part
from ttalertd.state.salvage import log_kept_messages

log = logging.getLogger(__name__)

MAX_STATE_BYTES = 64 * 1024 * 1024  # a state file larger than this is refused, never read whole


class StateError(Exception):
    """A state file that must not be replaced: the run stops with exit 2; the text names the
    file."""


class DamagedPart(ValueError):
    """A part of memory.json that cannot be used; the text says which value and why."""


@dataclass(slots=True)
class State:
    """Everything memory.json holds: the rules' memory and each notifier's undelivered posts."""

    memory: AlertMemory = field(default_factory=AlertMemory)
    outbox: dict[str, Any] = field(default_factory=dict)  # delivery.Outbox as JSON
    alertmanager: dict[str, Any] = field(default_factory=dict)  # Alertmanager's kept posts
    peers: dict[str, Any] = field(default_factory=dict)  # the fleet's hosts and when last seen
    phone: dict[str, Any] = field(default_factory=dict)  # seen reply SIDs, acks, mutes, calls
    trace: dict[str, Any] = field(default_factory=dict)  # the trace writer's processes written
    existed: bool = False  # read from a file, rather than fresh
    dropped: frozenset[str] = frozenset()  # parts found damaged and dropped at load


def json_object(raw: Any) -> dict[str, Any]:
    """The check of a part kept as a plain JSON object: an object, or DamagedPart."""
    if not isinstance(raw, dict):
        raise DamagedPart(f"not a JSON object but {type(raw).__name__}")
    return raw


def _rules_memory(raw: Any) -> AlertMemory:
    memory = AlertMemory.from_json(json_object(raw))
    for key, cond in memory.conditions.items():
        if cond.kind not in CONDITION_KINDS:
            raise DamagedPart(f"condition {key!r} has a kind unknown to this version: "
                              f"{str(cond.kind)[:40]!r}")
    return memory


def _held_lines(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise DamagedPart(f"not a JSON list but {type(raw).__name__}")
    for held in raw:
        if not isinstance(held, dict):
            raise DamagedPart("a held line is not a JSON object")
        check_held(held)
    return raw


# Each part: its key in memory.json -> (what it is, for the warning; its check). A check takes the
# part's JSON and returns what State keeps, or raises DamagedPart (TypeError, ValueError, KeyError
# and the like count as damage too). The owner of a part (phone, fleet, ...) writes its check as a
# pure function over JSON and names it here; the part is dropped, never the file, when it fails.
# "held" is the quiet-hours held lines, kept apart from the rules' memory so that a damaged memory
# never costs them. The order is the file's: messages first, so a truncated file keeps them.
PartCheck = Callable[[Any], Any]
PARTS: dict[str, tuple[str, PartCheck]] = {
    "outbox": ("the undelivered messages", json_object),
    "held": ("the held lines", _held_lines),
    "alertmanager": ("the kept Alertmanager posts", json_object),
    "memory": ("the rules' memory", _rules_memory),
    "peers": ("the peers", peers_part),
    "phone": ("the phone's memory", check_phone_part),
    "trace": ("the trace writer's processes", json_object),
}
_DAMAGE = (DamagedPart, ValueError, KeyError, TypeError, AttributeError, ArithmeticError,
           RecursionError)


def load_state(path: str) -> State:
    """The state in `path`, part by part; fresh when it is missing or corrupt (moved aside).

    Raises StateError when the file exists but must not be replaced: unreadable, not a regular
    file, or larger than MAX_STATE_BYTES. Leftover temporary files of an interrupted save go.
    """
    _remove_leftover_temporaries(path)
    raw = _read_regular_file(path)
    if raw is None:
        return State()
    try:
        document = json.loads(raw)
        if not isinstance(document, dict):
            raise TypeError(f"the top level is {type(document).__name__}, not an object")
    except (ValueError, TypeError, RecursionError) as exc:
        _move_aside(path, raw, exc)
        return State()
    return _from_document(path, document)


def _from_document(path: str, document: dict[str, Any]) -> State:
    values: dict[str, Any] = {}
    dropped = set()
    for name, part in document.items():
        if name not in PARTS:
            log.warning("state file %s: part %s unknown to this version, dropped", path,
                        _shown(name))
            continue
        what, check = PARTS[name]
        try:
            values[name] = check(part)
        except _DAMAGE as exc:
            dropped.add(name)
            log.warning("state file %s: part %r (%s) is damaged and dropped: %s; the other "
                        "parts are kept", path, name, what, _shown(str(exc), 200))
    memory = values.get("memory") or AlertMemory()
    if "held" in values:
        memory.held = values["held"]
    elif "memory" in dropped and isinstance(document.get("memory"), dict):
        # a file written before "held" was a part of its own: save what of it is sound
        memory.held = _sound_held(document["memory"].get("held"))
    return State(memory=memory, outbox=values.get("outbox", {}),
                 alertmanager=values.get("alertmanager", {}), peers=values.get("peers", {}),
                 phone=values.get("phone", {}), trace=values.get("trace", {}), existed=True,
                 dropped=frozenset(dropped))


def _sound_held(raw: Any) -> list[dict[str, Any]]:
    try:
        return _held_lines(raw)
    except _DAMAGE:
        return []


def _shown(text: str, limit: int = 60) -> str:
    text = repr(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_regular_file(path: str) -> bytes | None:
    """The file's bytes; None when there is none; StateError when it may not be replaced."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):  # no such file (a dangling link too)
            return None
        raise StateError(f"state file {path} cannot be read ({exc.strerror}); it is left as "
                         "it is: fix its permissions, or give --state another path") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StateError(f"state file {path} is not a regular file ({_file_kind(info)}); it "
                             "is left as it is: remove it, or give --state another path")
        if info.st_size > MAX_STATE_BYTES:
            raise StateError(_too_large(path))
        chunks, size = [], 0
        while size <= MAX_STATE_BYTES:  # it may grow while read: the cap holds on what is read
            chunk = os.read(fd, min(1 << 20, MAX_STATE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_STATE_BYTES:
            raise StateError(_too_large(path))
        return b"".join(chunks)
    except OSError as exc:
        raise StateError(f"state file {path} cannot be read ({exc.strerror}); it is left as "
                         "it is: fix it, or give --state another path") from None
    finally:
        os.close(fd)


def _too_large(path: str) -> str:
    return (f"state file {path} is larger than {MAX_STATE_BYTES >> 20} MB; it is left as it "
            "is: move it away, or give --state another path")


def _file_kind(info: os.stat_result) -> str:
    mode = info.st_mode
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def _move_aside(path: str, raw: bytes, exc: Exception) -> None:
    log_kept_messages(path, raw)  # before the move: the messages are in the log whatever follows
    aside = f"{path}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
    try:
        os.replace(path, aside)
        where = f"moved to {aside}"
    except OSError as move_exc:
        where = f"could not be moved aside: {move_exc.strerror}"
    log.warning("state file %s is corrupt (%s); %s; starting from a fresh state", path,
                _shown(str(exc), 200), where)


def _temporary_prefix(path: str) -> str:
    """memory.json -> ".memory-": its saves' temporary files are .memory-XXXX.tmp."""
    name = os.path.basename(path)
    return f".{name.removesuffix('.json')}-"


def _remove_leftover_temporaries(path: str) -> None:
    """A save killed between mkstemp and rename leaves its temporary file: remove those at start."""
    directory, prefix = os.path.dirname(os.path.abspath(path)), _temporary_prefix(path)
    try:
        with os.scandir(directory) as entries:
            leftovers = [e.path for e in entries if e.name.startswith(prefix)
                         and e.name.endswith(".tmp") and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for leftover in leftovers:
        try:
            os.unlink(leftover)
            log.info("removed %s, left by an interrupted save", leftover)
        except OSError as exc:
            log.warning("could not remove %s, left by an interrupted save: %s", leftover,
                        exc.strerror)


def _document(state: State) -> dict[str, Any]:
    memory = state.memory.to_json()
    held = memory.pop("held", [])
    parts = {"outbox": state.outbox, "held": held, "alertmanager": state.alertmanager,
             "memory": memory, "peers": state.peers, "phone": state.phone, "trace": state.trace}
    return {name: parts[name] for name in PARTS}


def save_state(path: str, state: State) -> bool:
    """Write atomically (temp file in the same directory, fsync, rename); False, logged, on
    failure."""
    doc = _document(state)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=directory)
    except OSError as exc:
        log.error("cannot save state to %s: %s (alerting goes on from memory)", path, exc)
        return False
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        log.error("cannot save state to %s: %s (alerting goes on from memory)", path, exc)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True
