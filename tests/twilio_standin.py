"""A loopback stand-in for Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`.

Records what it received; can refuse (stopped), hang, or answer any status with a Twilio error
JSON; otherwise answers 201 with a body shaped like Twilio's.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@dataclass(slots=True)
class ReceivedSMS:
    """One create-message request as the stand-in saw it."""

    account_sid: str
    to: str | None
    from_: str | None
    messaging_service_sid: str | None
    body: str | None
    auth: tuple[str, str] | None  # Basic auth user and password
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Fault:
    """An error answer: HTTP status, optional Twilio code and message, optional Retry-After."""

    status: int
    code: int | None = None
    message: str = "error"
    retry_after: str | None = None


class TwilioStandin:
    """Start with `with TwilioStandin() as twilio:`; point api_url at `twilio.url`."""

    def __init__(self, credentials: dict[str, str] | None = None) -> None:
        self.credentials = credentials  # sid -> token; when given, others get 401 code 20003
        self.received: list[ReceivedSMS] = []  # accepted (201) requests only
        self.attempts = 0  # every POST that reached a handler
        self.fault: Fault | None = None
        self._hang = False
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def hang(self) -> bool:
        """True: requests are read, then never answered (until released or stopped)."""
        return self._hang

    @hang.setter
    def hang(self, value: bool) -> None:
        if value:
            self._release.clear()
        else:
            self._release.set()  # requests hanging now end without an answer
        self._hang = value

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Listen (again, on the same port after a stop) and serve in a thread."""
        self._release.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port: connections are refused until start()."""
        self._release.set()  # let hanging handlers go
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: ReceivedSMS) -> None:
        with self._lock:
            self.received.append(request)


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _message_json(sms: ReceivedSMS) -> dict:
    """A 201 body with the fields Twilio's Message resource has."""
    sid = "SM" + uuid.uuid4().hex
    now = formatdate(usegmt=True)
    uri = f"/2010-04-01/Accounts/{sms.account_sid}/Messages/{sid}.json"
    return {
        "account_sid": sms.account_sid, "api_version": "2010-04-01", "body": sms.body,
        "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
        "error_code": None, "error_message": None, "from": sms.from_,
        "messaging_service_sid": sms.messaging_service_sid, "num_media": "0",
        "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
        "status": "accepted" if sms.messaging_service_sid else "queued",
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")}, "to": sms.to,
        "uri": uri,
    }


def _handler_for(standin: TwilioStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 (the default): one request per connection, so stop() is a real outage

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            with standin._lock:
                standin.attempts += 1
            if standin.hang:
                standin._release.wait(30)
                return
            match = MESSAGES_PATH.match(self.path)
            if match is None:
                self._answer(404, {"code": 20404, "message": "The requested resource "
                                   f"{self.path} was not found", "status": 404})
                return
            sms = ReceivedSMS(
                account_sid=match["sid"],
                to=form.get("To", [None])[0],
                from_=form.get("From", [None])[0],
                messaging_service_sid=form.get("MessagingServiceSid", [None])[0],
                body=form.get("Body", [None])[0],
                auth=_basic_auth(self.headers.get("Authorization")),
                headers=dict(self.headers.items()),
            )
            expected = standin.credentials
            if expected is not None and (sms.auth is None or expected.get(sms.auth[0]) != sms.auth[1]):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401,
                                   "more_info": "https://www.twilio.com/docs/errors/20003"})
                return
            fault = standin.fault
            if fault is not None:
                body = {"code": fault.code, "message": fault.message, "status": fault.status}
                if fault.code:
                    body["more_info"] = f"https://www.twilio.com/docs/errors/{fault.code}"
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._answer(fault.status, body, extra)
                return
            standin._record(sms)
            self._answer(201, _message_json(sms))

        def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
