"""The peers read step (read/peers.py): the query every Alertmanager gets, the union of the
answers, and answers that are wrong, hostile or absent; then a silenced heartbeat on a real
Alertmanager, still alive."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cli_support import run_ttalertd
from fleet_support import (
    AM_BINARY,
    AMTOOL,
    Processes,
    active_alerts,
    free_port,
    present_scenario,
    wait_until,
)

from ttalertd.config.records import AlertmanagerConfig
from ttalertd.notifiers.alertmanager import Alertmanager, postable
from ttalertd.notifiers.heartbeat import heartbeat_state
from ttalertd.notify.notifier import DeliveryError
from ttalertd.read.peers import read_heartbeats
from ttalertd.read.reading import PeerHeartbeat

LABELS = (("fleet", 'a "quoted" name'),)


def heartbeat(instance, *, stopping=False, **labels) -> dict:
    alert = postable(heartbeat_state(instance, LABELS, starts=time.time(), ends=time.time() + 60,
                                     stopping=time.time() if stopping else None))
    alert["labels"].update(labels)
    return alert


class FakeAlertmanager:
    """Answers GET /api/v2/alerts with `body` (bytes) and `status`; records each request."""

    def __init__(self, body: object = (), status: int = 200) -> None:
        self.body = body if isinstance(body, bytes) else json.dumps(list(body)).encode()
        self.status = status
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, dict(self.headers)))
                self.send_response(fake.status)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            def do_POST(self) -> None:
                fake.posted += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.posted = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def config(*urls: str, token: str | None = None) -> AlertmanagerConfig:
    return AlertmanagerConfig(urls=urls, labels=LABELS, bearer_token=token, watch_peers=True)


def test_each_url_gets_the_filtered_query_and_the_answers_are_united():
    with FakeAlertmanager([heartbeat("web1"), heartbeat("web2")]) as am1, \
            FakeAlertmanager([heartbeat("web2", stopping=True), heartbeat("web3")]) as am2:
        seen = read_heartbeats(config(am1.url, am2.url, token="tok-123456"))
        assert seen == (PeerHeartbeat("web1"), PeerHeartbeat("web2", stopping=True),
                        PeerHeartbeat("web3"))
        for am in (am1, am2):
            [(path, headers)] = am.requests
            parts = urlsplit(path)
            assert parts.path == "/api/v2/alerts"
            assert parse_qs(parts.query) == {
                "filter": ['alertname="TTAlertHeartbeat"', 'fleet="a \\"quoted\\" name"']}
            assert headers["Authorization"] == "Bearer tok-123456"


def test_one_answer_is_enough_and_none_is_none(caplog):
    with FakeAlertmanager([heartbeat("web1")]) as up, FakeAlertmanager(status=503) as down:
        assert read_heartbeats(config(down.url, up.url)) == (PeerHeartbeat("web1"),)
        assert read_heartbeats(config(down.url)) is None
    assert "no Alertmanager answered" in caplog.text


@pytest.mark.parametrize("body", [b"<html>", b'{"not": "a list"}', b"[" * 100000])
def test_an_answer_that_is_not_a_list_of_alerts_is_no_answer(body):
    with FakeAlertmanager(body) as am:
        assert read_heartbeats(config(am.url)) is None


def test_hostile_or_foreign_records_are_skipped_and_the_rest_kept(caplog):
    records = [
        heartbeat("web1"),
        heartbeat("root logged on pts/9\nweb9"),  # a forged line
        heartbeat("\u202eweb8"),  # a bidirectional override
        heartbeat("x" * 65),
        heartbeat("web7", fleet="another fleet"),  # an Alertmanager that ignored the filter
        heartbeat("web6", alertname="TTAlertLoad"),
        {"labels": "none"}, 42, None,
    ]
    with FakeAlertmanager(records) as am:
        assert read_heartbeats(config(am.url)) == (PeerHeartbeat("web1"),)
    assert "not a host name" in caplog.text
    assert "pts/9\nweb9" not in caplog.text


def test_a_flood_of_instances_is_cut_to_max_peers(caplog):
    from ttalertd.read.peers import MAX_PEERS

    with FakeAlertmanager([heartbeat(f"host{n:05d}") for n in range(MAX_PEERS + 50)]) as am:
        seen = read_heartbeats(config(am.url))
    assert len(seen) == MAX_PEERS and seen[0].instance == "host00000"
    assert f"over {MAX_PEERS} hosts" in caplog.text


@pytest.mark.skipif(AM_BINARY is None or AMTOOL is None,
                    reason="needs Debian's prometheus-alertmanager (alertmanager, amtool)")
def test_a_silenced_heartbeat_on_a_real_alertmanager_is_still_alive(tmp_path):
    procs = Processes()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (tmp_path / "am.yml").write_text("route:\n  receiver: void\nreceivers:\n  - name: void\n")
    try:
        procs.start([AM_BINARY, f"--config.file={tmp_path / 'am.yml'}",
                     f"--storage.path={tmp_path / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}",
                     "--cluster.listen-address=", "--log.level=warn"], tmp_path / "log")
        wait_until(lambda: posted(Alertmanager(url), [heartbeat("web1")]), 15, "Alertmanager up")
        subprocess.run([AMTOOL, "silence", "add", f"--alertmanager.url={url}", "--comment=t",
                        "--duration=1h", "instance=web1"], check=True, capture_output=True,
                       timeout=15)
        wait_until(lambda: [a["status"]["state"] for a in active_alerts(url, "TTAlertHeartbeat")]
                   == ["suppressed"], 15, "the heartbeat silenced")
        assert read_heartbeats(config(url)) == (PeerHeartbeat("web1"),)
    finally:
        procs.stop_all()


def test_dry_run_reads_the_peers_and_prints_its_peer_line_but_posts_nothing(tmp_path):
    scenario = present_scenario(tmp_path / "s", ["0.10 0.10 0.05", "0.10 0.10 0.05"])

    def dry_run(am: FakeAlertmanager) -> subprocess.CompletedProcess:
        cfg = tmp_path / "credentials.yml"
        cfg.write_text(f"host: web1\nalertmanager:\n  urls: [{am.url}]\n  watch_peers: true\n"
                       "  labels: {fleet: 'a \"quoted\" name'}\n")
        return run_ttalertd("--once", "--dry-run", "--replay", str(scenario), "--config", str(cfg),
                            "--state", str(tmp_path / "memory.json"), cwd=tmp_path)

    with FakeAlertmanager([heartbeat("web1"), heartbeat("web3")]) as am:
        first = dry_run(am)
        assert (first.returncode, first.stdout) == (0, ""), first.stderr  # web3 known now
    with FakeAlertmanager([heartbeat("web1")]) as am:
        second = dry_run(am)
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines()[0] == "web1"
        assert second.stdout.splitlines()[1].startswith("peer web3 silent since ")
        assert len(am.requests) == 1 and am.posted == 0


def posted(alertmanager: Alertmanager, alerts: list[dict]) -> bool:
    try:
        alertmanager.post(alerts)
    except DeliveryError:
        return False
    return True
