"""The peers read step: the live TTAlertHeartbeats every Alertmanager holds (interface.md
section 10). Network, so every answer is slow, wrong or absent: each URL is read at once in
its own thread under one deadline, a bad record is skipped with a log line."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlencode

from ttalertd.alert import HEARTBEAT_ALERTNAME
from ttalertd.config.records import AlertmanagerConfig
from ttalertd.notify.http import display_url, exchange
from ttalertd.notify.notifier import DeliveryError
from ttalertd.read.reading import PeerHeartbeat

log = logging.getLogger(__name__)

READ_DEADLINE = 10.0  # seconds for all URLs together
ANSWER_CAP = 8 * 1024 * 1024  # a fleet's heartbeats are a few KB; more is not read
NAME_MAX = 64  # a host name is at most this long (interface.md section 2)
MAX_PEERS = 1000  # hosts watched at most: the peers part stays small whatever is posted
_warned: set[str] = set()  # bad records seen: told once per run, not every tick


def matcher(name: str, value: str) -> str:
    """One Alertmanager filter matcher, `name="value"`, the value escaped as its parser wants."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def heartbeat_query(labels: tuple[tuple[str, str], ...]) -> str:
    """?filter=alertname="TTAlertHeartbeat" plus one filter per configured label: two fleets
    sharing an Alertmanager never watch each other."""
    filters = [matcher("alertname", HEARTBEAT_ALERTNAME)] + [matcher(n, v) for n, v in labels]
    return urlencode([("filter", f) for f in filters])


def read_heartbeats(config: AlertmanagerConfig, *, deadline: float = READ_DEADLINE
                    ) -> tuple[PeerHeartbeat, ...] | None:
    """The union of every answering Alertmanager's live heartbeats (silenced and inhibited
    ones included: they are still alive), one per instance; None when no URL answered."""
    answers: dict[str, list[PeerHeartbeat] | None] = {}
    threads = [threading.Thread(target=_read_one, args=(config, url, deadline, answers),
                                daemon=True) for url in config.urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline + 1.0)  # exchange keeps its own deadline; this bounds a bug
    answered = [found for url in config.urls if (found := answers.get(url)) is not None]
    if not answered:
        log.warning("no Alertmanager answered the heartbeat query: peers are not judged this "
                    "tick (a host that cannot reach Alertmanager knows nothing of its peers)")
        return None
    union: dict[str, PeerHeartbeat] = {}
    for found in answered:
        for heartbeat in found:
            known = union.get(heartbeat.instance)
            if known is None or (heartbeat.stopping and not known.stopping):
                union[heartbeat.instance] = heartbeat
    names = sorted(union)
    if len(names) > MAX_PEERS:  # a flood of made-up instances must not grow the state file
        _warn_once(f"over {MAX_PEERS} hosts post heartbeats: only the first {MAX_PEERS} by name "
                   "are watched")
        names = names[:MAX_PEERS]
    return tuple(union[name] for name in names)


def _read_one(config: AlertmanagerConfig, url: str, deadline: float,
              answers: dict[str, list[PeerHeartbeat] | None]) -> None:
    where = display_url(url)
    headers = {"Accept": "application/json"}
    if config.bearer_token:
        headers["Authorization"] = f"Bearer {config.bearer_token}"
    try:
        answer = exchange(f"{url}/api/v2/alerts?{heartbeat_query(config.labels)}",
                          headers=headers, deadline=deadline, max_body=ANSWER_CAP,
                          what="alertmanager", secrets=(config.bearer_token,))
    except DeliveryError as error:
        log.warning("heartbeats not read: %s", error.detail)
        return
    if answer.status != 200:
        log.warning("alertmanager %s: heartbeats not read: HTTP %d", where, answer.status)
        return
    if answer.truncated:
        log.warning("alertmanager %s: heartbeats not read: answer over %d bytes", where,
                    ANSWER_CAP)
        return
    body = answer.body
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        log.warning("alertmanager %s: heartbeats not read: the answer is not JSON", where)
        return
    if not isinstance(document, list):
        log.warning("alertmanager %s: heartbeats not read: the answer is not a list", where)
        return
    answers[url] = [hb for item in document
                    if (hb := _heartbeat(item, config.labels, where)) is not None]


def _heartbeat(item: Any, labels: tuple[tuple[str, str], ...], where: str
               ) -> PeerHeartbeat | None:
    """The heartbeat one alert of the answer is; None (told once) for anything else."""
    if not isinstance(item, dict) or not isinstance(item.get("labels"), dict):
        _warn_once(f"alertmanager {where}: an alert without labels in the heartbeat answer "
                   "skipped")
        return None
    names = item["labels"]
    wanted = (("alertname", HEARTBEAT_ALERTNAME), *labels)
    if any(names.get(n) != v for n, v in wanted):  # an Alertmanager that ignored the filter
        return None
    instance = names.get("instance")
    if not isinstance(instance, str) or not _is_host_name(instance):
        _warn_once(f"alertmanager {where}: a heartbeat whose instance is not a host name "
                   f"skipped: {ascii(instance)[:80]}")
        return None
    annotations = item.get("annotations")
    stopping = isinstance(annotations, dict) and isinstance(annotations.get("stopping"), str)
    return PeerHeartbeat(instance, stopping=stopping)


def _is_host_name(name: str) -> bool:
    # one line of printable text, as `host` must be: it enters message lines and labels
    return 0 < len(name) <= NAME_MAX and name.isprintable() and name == name.strip()


def _warn_once(text: str) -> None:
    if text not in _warned and len(_warned) < 1000:
        _warned.add(text)
        log.warning("%s", text)
