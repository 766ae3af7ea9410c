"""SIGHUP from the first instant: importing this module makes a reload during start-up harmless.

The CLI imports it before anything else, so `systemctl reload` right after `start` never meets
SIGHUP's default action (death) while the imports, the config and the state are still loading.
The daemon's own handler takes over later and picks up a reload asked for meanwhile.
"""

from __future__ import annotations

# the C module: `signal` would first import enum, ~5 ms before the handler is in place
import _signal  # type: ignore[import-not-found]

reload_requested = False  # a SIGHUP came before the daemon's own handler was installed


def _on_hup(signum: int, frame: object) -> None:
    global reload_requested
    reload_requested = True


try:
    _signal.signal(_signal.SIGHUP, _on_hup)
except ValueError:  # not the main thread: the CLI called from a test's thread, nothing to guard
    pass
