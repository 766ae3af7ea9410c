"""Sends of one tick run side by side: each has its own total deadline (10 s, 30 s at most), so
a tick with every peer trickling is held for one deadline, not one per notifier."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from ttalertd.notify.message import Message
from ttalertd.notify.notifier import MAX_DEADLINE, DeliveryError, Notifier

SLACK = 5.0  # past every notifier's own deadline: a send still going is abandoned (kept)


def send_all(jobs: Sequence[tuple[Notifier, Message]]) -> list[Exception | None]:
    """notifier.send(message) of every job at once; per job None (sent) or what it raised. A send
    that outlives MAX_DEADLINE + SLACK (a notifier bug) counts as a transient failure."""
    if len(jobs) <= 1:  # the common case: no thread at all
        return [_send(notifier, message) for notifier, message in jobs]
    outcomes: list[Exception | None] = [DeliveryError(
        f"{notifier.key}: no answer within {MAX_DEADLINE + SLACK:g} s", permanent=False)
        for notifier, _ in jobs]

    def run(index: int, notifier: Notifier, message: Message) -> None:
        outcomes[index] = _send(notifier, message)

    workers = [threading.Thread(target=run, args=(i, n, m), name=f"ttalertd-send-{n.key}",
                                daemon=True) for i, (n, m) in enumerate(jobs)]
    for worker in workers:
        worker.start()
    end = time.monotonic() + MAX_DEADLINE + SLACK
    for worker in workers:  # a stop signal interrupts the wait; the sends stay kept
        worker.join(max(0.0, end - time.monotonic()))
    return list(outcomes)


def _send(notifier: Notifier, message: Message) -> Exception | None:
    try:
        notifier.send(message)
    except Exception as error:  # noqa: BLE001 (the caller tells a refusal from a bug)
        return error
    return None
