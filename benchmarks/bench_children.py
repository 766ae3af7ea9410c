"""Idle child processes for the benchmarks: spawned cheaply, always reaped (also on
Ctrl-C/SIGTERM)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator

SLEEP = "/bin/sleep"
# a benchmark killed with SIGKILL cannot reap; its sleep children still end on their own
IDLE_SECONDS = "600"


class IdleChildren:
    """A growing set of `sleep` children; reap() kills and waits for every one of them."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen] = []

    def grow_to(self, count: int) -> None:
        while len(self.children) < count:
            # posix_spawn/vfork path (no preexec_fn, close_fds): ~1 ms per child, not a fork copy
            self.children.append(subprocess.Popen(
                [SLEEP, IDLE_SECONDS], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, close_fds=True))  # fmt: skip

    def reap(self) -> None:
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        for child in self.children:
            child.wait()
        self.children.clear()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def idle_children(count: int) -> Iterator[IdleChildren]:
    """`count` idle children for the block; SIGTERM/SIGHUP become KeyboardInterrupt so finally
    runs."""
    previous = {
        sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    children = IdleChildren()
    try:
        children.grow_to(count)
        yield children
    finally:
        # a second Ctrl-C during the reap must not leave children behind
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            children.reap()
        finally:
            signal.signal(signal.SIGINT, old_int)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
