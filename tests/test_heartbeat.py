"""heartbeat.url / fail_url against a loopback dead man's switch (interface.md section 10).

The switch is a loopback server that records every GET; the same server is the webhook, whose
answer decides whether a message is delivered or kept. ttalertd runs as `python -m ttalertd`
over a replayed scenario whose clock is the present, one tick per sample after the first.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cli_support import run_ttalertd
from fleet_support import present_scenario

from ttalertd.config.records import HeartbeatConfig
from ttalertd.notifiers.heartbeat import ping, shown_url

SECRET = "0f7b6c1e-d00d-4bad-beef-secret"


class Switch:
    """Records GET paths; answers POSTs (the webhook) with `post_status`, GETs `get_status`."""

    def __init__(self) -> None:
        self.gets: list[str] = []
        self.posts = 0
        self.post_status = 200
        self.get_status = 200
        switch = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                switch.gets.append(self.path)
                self._answer(switch.get_status)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                switch.posts += 1
                self._answer(switch.post_status)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def switch():
    server = Switch()
    yield server
    server.close()


def run(tmp_path, switch: Switch, loads: list[str], *extra: str, defaults: str = ""
        ) -> subprocess.CompletedProcess:
    cfg = tmp_path / "credentials.yml"
    cfg.write_text(
        f"defaults:\n  ALERT_INTERVAL: 1\n  LOAD_AVG_MAX: 1.2\n{defaults}"
        f"heartbeat:\n  url: {switch.url}/ping/{SECRET}?key={SECRET}\n"
        f"  fail_url: {switch.url}/ping/{SECRET}/fail\n"
        f"webhook:\n  url: {switch.url}/hook\n")
    return run_ttalertd("--replay", str(present_scenario(tmp_path / "s", loads)),
                        "--config", str(cfg), "--state", str(tmp_path / "memory.json"), *extra,
                        cwd=tmp_path)


QUIET = ["0.10 0.10 0.05"] * 4  # a baseline, then three ticks with nothing to tell
ALERT = ["0.10 0.10 0.05", "3.52 2.10 1.30", "3.52 2.10 1.30"]  # the load fires in tick one


def test_a_kept_message_pings_fail_url_and_a_delivered_one_url(tmp_path, switch):
    switch.post_status = 503  # the webhook is down: the load alert is kept
    done = run(tmp_path, switch, ALERT)
    assert done.returncode == 1  # the kept message decides the exit, not the pings
    assert switch.posts >= 1
    assert switch.gets == [f"/ping/{SECRET}/fail"] * 2
    assert SECRET not in done.stdout + done.stderr
    switch.gets.clear()
    switch.post_status = 200  # back: the kept message goes out, the switch hears url again
    done = run(tmp_path, switch, ALERT)
    assert done.returncode == 0, done.stderr
    assert switch.gets[-1] == f"/ping/{SECRET}?key={SECRET}"


def test_held_lines_are_no_failure(tmp_path, switch):
    now = time.localtime()
    start, end = (now.tm_hour + 23) % 24, (now.tm_hour + 1) % 24  # quiet from an hour ago
    done = run(tmp_path, switch, ALERT,
               defaults=f'  QUIET_HOURS: "{start:02d}:00-{end:02d}:59"\n')
    assert done.returncode == 0, done.stderr
    assert switch.posts == 0  # held for the quiet hours
    assert switch.gets == [f"/ping/{SECRET}?key={SECRET}"] * 2


def test_dry_run_never_pings(tmp_path, switch):
    done = run(tmp_path, switch, ALERT, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "load" in done.stdout  # the message is printed ...
    assert switch.gets == [] and switch.posts == 0  # ... and nothing goes out


def test_one_get_of_url_a_tick_a_failure_only_logged_and_the_secret_never_shown(tmp_path,
                                                                             switch):
    switch.get_status = 500  # the switch is down: each tick's ping fails
    done = run(tmp_path, switch, QUIET)
    assert done.returncode == 0, done.stderr  # a failed ping changes no exit code
    assert switch.gets == [f"/ping/{SECRET}?key={SECRET}"] * 3  # one a tick, never retried
    assert f"heartbeat url {switch.url} not pinged: HTTP 500" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_an_unreachable_switch_is_logged_without_the_secret():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed: connection refused
    config = HeartbeatConfig(url=f"http://user:{SECRET}@127.0.0.1:{port}/{SECRET}")
    assert ping(config, failed=False) is False
    assert shown_url(config.url) == f"http://127.0.0.1:{port}"


def test_a_trickling_switch_cannot_hold_a_ping_past_its_deadline(caplog):
    """One byte every 0.3 s forever: the total deadline (1 s here) ends the GET."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.3):
            try:
                conn.sendall(b"X")
            except OSError:
                break
        conn.close()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/{SECRET}"
        assert ping(HeartbeatConfig(url=url), failed=False, deadline=1.0) is False
        assert time.monotonic() - started < 8.0  # per-read timeouts alone would never end
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert "not pinged" in caplog.text and SECRET not in caplog.text


def test_check_config_and_its_errors_never_show_the_switch_url_path(tmp_path):
    from ttalertd.config.loader import describe, load_config
    from ttalertd.config.records import ConfigError

    cfg = tmp_path / "credentials.yml"
    cfg.write_text(f'heartbeat:\n  url: "https://hc-ping.com/{SECRET}"\n')
    summary = describe(load_config(str(cfg)))
    assert "heartbeat to https://hc-ping.com" in summary and SECRET not in summary
    for bad in (f"ftp://hc-ping.com/{SECRET}", f"https://hc-ping.com/{SECRET} x",
                f"https://hc-ping.com:99999/{SECRET}"):
        cfg.write_text(f'heartbeat:\n  url: "{bad}"\n')
        with pytest.raises(ConfigError) as caught:
            load_config(str(cfg))
        assert str(caught.value).startswith("heartbeat.url: ") and SECRET not in str(caught.value)
