"""Webhook and console notifiers, and which notifiers a config builds."""

from __future__ import annotations

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ttalertd.alert import Alert
from ttalertd.config.records import AlertmanagerConfig, Config, TwilioConfig, WebhookConfig
from ttalertd.notifiers import (
    ConsoleNotifier,
    DeliveryError,
    TwilioSMS,
    Webhook,
    build_notifiers,
    send_test_message,
)
from ttalertd.notify.message import Message

MESSAGE = Message(
    host="web1",
    text="web1\nload 3.52 2.10 1.30\nalice logged on pts/0 from 10.0.0.5",
    alerts=(
        Alert(kind="load", text="load 3.52 2.10 1.30", key="load"),
        Alert(kind="login", text="alice logged on pts/0 from 10.0.0.5", key="login:alice"),
    ),
)


class Capture:
    """A loopback HTTP server that records each POST and answers `status` with `body`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status, self.body, self.headers = 200, b"ok", {}
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                capture.requests.append((self.path, dict(self.headers.items()), data))
                self.send_response(capture.status)
                for name, value in capture.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(capture.body)))
                self.end_headers()
                self.wfile.write(capture.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ops"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capture():
    server = Capture()
    yield server
    server.close()


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/ops"


def test_webhook_posts_host_text_alerts_with_headers(capture):
    Webhook(capture.url, (("Authorization", "Bearer abc"), ("X-Title", "ttalertd"))).send(MESSAGE)
    ((path, headers, data),) = capture.requests
    assert path == "/ops"
    assert headers["Authorization"] == "Bearer abc"
    assert headers["X-Title"] == "ttalertd"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(data) == {
        "host": "web1",
        "text": MESSAGE.text,
        "alerts": [
            {"kind": "load", "text": "load 3.52 2.10 1.30"},
            {"kind": "login", "text": "alice logged on pts/0 from 10.0.0.5"},
        ],
    }


def test_webhook_4xx_is_permanent_with_the_response_body(capture):
    capture.status, capture.body = 400, b'{"error": "topic name invalid"}'
    with pytest.raises(DeliveryError) as caught:
        Webhook(capture.url).send(MESSAGE)
    assert caught.value.permanent
    assert "400" in caught.value.detail and "topic name invalid" in caught.value.detail


@pytest.mark.parametrize("status", [429, 500, 503])
def test_webhook_429_and_5xx_are_transient(capture, status):
    capture.status, capture.headers = status, {"Retry-After": "60"}
    with pytest.raises(DeliveryError) as caught:
        Webhook(capture.url).send(MESSAGE)
    assert not caught.value.permanent
    assert caught.value.retry_after == 60.0


def test_webhook_redirect_is_refused_not_followed_as_get(capture):
    capture.status, capture.headers = 302, {"Location": "/elsewhere"}
    with pytest.raises(DeliveryError) as caught:
        Webhook(capture.url).send(MESSAGE)
    assert len(capture.requests) == 1  # the redirect was not followed
    assert caught.value.permanent


def test_webhook_refused_connection_is_transient():
    with pytest.raises(DeliveryError) as caught:
        Webhook(refused_url()).send(MESSAGE)
    assert not caught.value.permanent


def test_webhook_headers_and_password_stay_out_of_key_and_errors():
    notifier = Webhook(refused_url().replace("//", "//user:pa55word@") + "?auth=t0pic",
                       (("Authorization", "Bearer s3cret"),))
    assert notifier.key.startswith("webhook:http://127.0.0.1:") and notifier.key.endswith("/ops")
    with pytest.raises(DeliveryError) as caught:
        notifier.send(MESSAGE)
    for text in (notifier.key, repr(notifier), caught.value.detail):
        assert "pa55word" not in text and "s3cret" not in text and "t0pic" not in text


def test_console_prints_the_message():
    out = io.StringIO()
    ConsoleNotifier(out).send(MESSAGE)
    assert out.getvalue() == MESSAGE.text + "\n"


def test_console_survives_a_closed_stdout(caplog):
    out = io.StringIO()
    out.close()
    ConsoleNotifier(out).send(MESSAGE)  # logged, never raised
    # the message is not lost: the log has it whole, since stdout could not take it
    assert "could not print the message" in caplog.text and MESSAGE.text in caplog.text


TWILIO = TwilioConfig("AC1", "token", ("+15551234567", "+15557654321"), from_="+1888")


def test_build_notifiers_dry_run_is_console_only():
    out = io.StringIO()
    notifiers = build_notifiers(Config(twilio=TWILIO), dry_run=True, stdout=out)
    assert [n.key for n in notifiers] == ["console"]
    notifiers[0].send(MESSAGE)
    assert out.getvalue().startswith("web1\n")


def test_build_notifiers_empty_config_is_console():
    assert [n.key for n in build_notifiers(Config(), dry_run=False, stdout=io.StringIO())] == [
        "console"
    ]


def test_alertmanager_alone_means_no_message_notifier_and_no_console():
    config = Config(alertmanager=AlertmanagerConfig(urls=("http://127.0.0.1:9093",)))
    [am] = build_notifiers(config, dry_run=False, stdout=io.StringIO())
    assert am.key == "alertmanager:http://127.0.0.1:9093" and not am.rate_limited
    assert [n.key for n in build_notifiers(config, dry_run=True, stdout=io.StringIO())] == [
        "console"
    ]


def test_build_notifiers_sms_per_number_and_webhook():
    config = Config(twilio=TWILIO, webhook=WebhookConfig("https://ntfy.example/ops"))
    notifiers = build_notifiers(config, dry_run=False, stdout=io.StringIO())
    assert [n.key for n in notifiers] == [
        "sms:+15551234567", "sms:+15557654321", "webhook:https://ntfy.example/ops",
    ]
    assert all(n.rate_limited for n in notifiers)
    assert isinstance(notifiers[0], TwilioSMS) and isinstance(notifiers[2], Webhook)


def test_send_test_message_through_webhook(capture):
    results = send_test_message(Config(webhook=WebhookConfig(capture.url)), "web1", io.StringIO())
    assert results == [(f"webhook:{capture.url}", True, "")]
    body = json.loads(capture.requests[0][2])
    assert body["host"] == "web1" and body["alerts"] == []


def test_send_test_message_console_when_nothing_configured():
    out = io.StringIO()
    assert send_test_message(Config(), "web1", out) == [("console", True, "")]
    assert out.getvalue().startswith("web1\n")


def test_webhook_url_with_an_ntfy_template_query_reaches_the_server(capture):
    Webhook(capture.url + "?tpl=1&m={{.text}}").send(MESSAGE)
    assert capture.requests[0][0] == "/ops?tpl=1&m={{.text}}"
