"""etc/passwd of a recorded root: uid -> user name."""

from __future__ import annotations

import logging

from proc._text import decode

log = logging.getLogger("proc.passwd")


def _is_uid(field: bytes) -> bool:
    return field.isdigit() and len(field) <= 10


def parse_passwd(data: bytes) -> dict[int, str]:
    """name:x:uid:gid:gecos:home:shell lines; a bad line is skipped with a warning, first name
    wins."""
    names: dict[int, str] = {}
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip() or line.startswith(b"#"):
            continue
        fields = line.split(b":")
        if len(fields) < 3 or not fields[0] or not _is_uid(fields[2]):
            log.warning("passwd line %d: malformed, skipped: %r", number, line[:80])
            continue
        names.setdefault(int(fields[2]), decode(fields[0]))
    return names
