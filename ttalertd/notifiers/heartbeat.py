"""Heartbeats: the dead man's switch ping (heartbeat.url) and the TTAlertHeartbeat alert that
peers read back from Alertmanager (interface.md section 10)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from ttalertd.alert import HEARTBEAT_ALERTNAME
from ttalertd.config.records import HeartbeatConfig
from ttalertd.notify.message import AlertState
from ttalertd.notify.notifier import DeliveryError, redact

log = logging.getLogger(__name__)

PING_DEADLINE = 10.0  # seconds a ping may take in all: connect, send, answer
BODY_CAP = 64 * 1024  # a switch answers "OK"; anything longer is not read


def shown_url(url: str) -> str:
    """scheme://host[:port]: a switch URL's path or query is its secret, user info too."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "(unparsable url)"
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def ping(config: HeartbeatConfig, *, failed: bool, deadline: float = PING_DEADLINE) -> bool:
    """One GET of `url`, or of `fail_url` when the tick could not deliver; True when answered
    2xx. A failure is logged, never retried; the URL shows without its path and query."""
    from ttalertd.notify.http import display_url, exchange  # only where a switch is set

    url = config.fail_url if failed and config.fail_url else config.url
    which = "fail_url" if url is config.fail_url else "url"
    where = shown_url(url)
    secrets = _url_secrets(url)
    try:
        answer = exchange(url, deadline=deadline, max_body=BODY_CAP, secrets=secrets)
    except DeliveryError as error:
        detail = redact(error.detail.replace(display_url(url), where), *secrets)
        log.warning("heartbeat %s %s not pinged: %s", which, where, detail)
        return False
    if not 200 <= answer.status < 300:
        log.warning("heartbeat %s %s not pinged: HTTP %d", which, where, answer.status)
        return False
    log.debug("heartbeat %s %s pinged", which, where)
    return True


def _url_secrets(url: str) -> tuple[str, ...]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return (url,)
    return tuple(s for s in (parts.path, parts.query, parts.netloc.rpartition("@")[0])
                 if len(s) > 1)


def heartbeat_state(host: str, labels: tuple[tuple[str, str], ...], *, starts: float,
                    ends: float, stopping: float | None = None) -> AlertState:
    """The TTAlertHeartbeat posted every tick: its lifetime is the peers' wait; `stopping` (a
    clean stop) is when the daemon stopped. One condition, so a kept one is replaced."""
    from ttalertd.notifiers.alertmanager import rfc3339  # only where peers are watched

    names = {"alertname": HEARTBEAT_ALERTNAME, "instance": host, "severity": "none"}
    for name, value in labels:
        names.setdefault(name, value)
    annotations: tuple[tuple[str, str], ...] = (("summary", f"ttalertd on {host} is running"),)
    if stopping is not None:
        annotations = (("summary", f"ttalertd on {host} stopped cleanly"),
                       ("stopping", rfc3339(stopping)))
    return AlertState(key="heartbeat", event=False, labels=tuple(names.items()),
                      annotations=annotations, starts_at=starts, ends_at=max(ends, starts))
