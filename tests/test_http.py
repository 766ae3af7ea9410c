"""The shared HTTP helper: a total deadline against a trickling peer, statuses, redirects,
bodies."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from trickle_server import TrickleServer

from ttalertd.notifiers import DeliveryError, Webhook
from ttalertd.notify.http import (
    MAX_DEADLINE,
    Answer,
    clamp_deadline,
    error_body,
    exchange,
    parse_retry_after,
    post_json,
)
from ttalertd.notify.message import Message

MESSAGE = Message("web1", "web1\nload 3.52 2.10 1.30")


class Server:
    """Answers every request with `status`, `headers` and `body`; records what it got."""

    def __init__(self) -> None:
        self.status, self.headers, self.body = 200, {}, b'{"ok": true}'
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(size) if size else b""
                server.requests.append((self.command, self.path, dict(self.headers), data))
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_a_trickling_peer_is_cut_off_at_the_total_deadline():
    # one byte every 0.2 s: a per-read timeout of 1 s never fires, the total deadline does
    with TrickleServer(interval=0.2, lasts=60) as peer:
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            exchange(peer.url, deadline=1.0, what="webhook")
        held = time.monotonic() - started
        assert not caught.value.permanent  # kept for a retry
        assert "deadline" in caught.value.detail
        assert held < 20  # generous: the peer would go on for 60 s
        assert peer.finished.wait(20)  # and its connection was hung up, not left trickling


def test_the_webhook_keeps_its_message_when_the_peer_trickles():
    with TrickleServer(interval=0.2, lasts=60) as peer:
        with pytest.raises(DeliveryError) as caught:
            Webhook(peer.url, deadline=1.0).send(MESSAGE)
        assert not caught.value.permanent


def test_no_deadline_is_longer_than_the_maximum():
    assert clamp_deadline(10_000) == MAX_DEADLINE == 30.0
    assert clamp_deadline(float("nan")) == clamp_deadline(-1) == 10.0
    assert clamp_deadline(2.5) == 2.5


def test_any_status_is_an_answer_and_its_body_is_read(server):
    server.status, server.headers = 503, {"Retry-After": "7"}
    answer = exchange(server.url + "/api/v2/alerts?filter=x", what="alertmanager")
    assert (answer.status, answer.body, answer.headers["retry-after"]) == (
        503, b'{"ok": true}', "7")
    assert server.requests[0][:2] == ("GET", "/api/v2/alerts?filter=x")


def test_a_body_over_the_cap_is_cut_and_says_so(server):
    server.body = b"x" * 5000
    answer = exchange(server.url, max_body=100)
    assert answer.truncated and answer.body == b"x" * 100


def test_post_json_sends_json_with_the_headers(server):
    post_json(server.url + "/hook", {"a": [1]}, headers={"X-Title": "t"}, what="webhook")
    method, path, headers, data = server.requests[0]
    assert (method, path, json.loads(data)) == ("POST", "/hook", {"a": [1]})
    assert headers["Content-Type"] == "application/json" and headers["X-Title"] == "t"
    assert headers["User-Agent"] == "ttalertd"


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (401, True), (404, True),
                                                   (429, False), (500, False), (502, False)])
def test_transient_or_permanent_by_status(server, status, permanent):
    server.status, server.body = status, b"why\x1b[2Jnot"
    with pytest.raises(DeliveryError) as caught:
        post_json(server.url, [], what="alertmanager")
    assert caught.value.permanent is permanent
    assert f"HTTP {status}: why?[2Jnot" in caught.value.detail  # the escape is shown as ?


def test_a_redirect_is_never_followed(server):
    server.status, server.headers = 307, {"Location": "/elsewhere"}
    with pytest.raises(DeliveryError) as caught:
        post_json(server.url, [])
    assert caught.value.permanent and len(server.requests) == 1
    assert "redirects are not followed" in caught.value.detail


def test_user_info_is_basic_auth_and_never_shown(server):
    url = server.url.replace("//", "//ops:pa55word@") + "/hook?auth=t0ken"
    post_json(url, [], what="webhook")
    assert server.requests[0][2]["Authorization"] == "Basic b3BzOnBhNTV3b3Jk"
    server.status = 500
    with pytest.raises(DeliveryError) as caught:
        post_json(url, [], what="webhook")
    assert "pa55word" not in caught.value.detail and "t0ken" not in caught.value.detail


@pytest.mark.parametrize("url", ["ftp://host/x", "http://", "http://host:99999/", "nonsense"])
def test_an_unusable_url_is_refused_for_good(url):
    with pytest.raises(DeliveryError) as caught:
        exchange(url)
    assert caught.value.permanent


def test_a_header_with_a_line_break_is_refused(server):
    with pytest.raises(DeliveryError) as caught:
        exchange(server.url, headers={"X-Evil": "a\r\nHost: b"})
    assert caught.value.permanent and server.requests == []


def test_retry_after_and_error_body():
    assert parse_retry_after("120") == 120.0 and parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert error_body(Answer(400, body=b"  \n")) == "(empty body)"
    assert error_body(Answer(400, body=b"line1\nline2")) == "line1?line2"
