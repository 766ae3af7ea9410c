"""A loopback stand-in for Twilio's v2010 Messages and Calls, as twilio/twilio-oai defines them.

- `POST /2010-04-01/Accounts/{sid}/Messages.json`: create a message (recorded in `received`).
- `GET  /2010-04-01/Accounts/{sid}/Messages.json`: list messages, newest first, filtered by To,
  From, DateSent, DateSent< and DateSent>, paged as Twilio pages (PageSize, Page, PageToken,
  next_page_uri in the list envelope). Tests add inbound messages with `inject()`.
- `POST /2010-04-01/Accounts/{sid}/Calls.json`: create a call with To, From and Twiml or Url
  (recorded in `calls`).

Can refuse (stopped), hang, or answer any status with a Twilio error JSON (`fault` for every
request, `call_fault`, `list_fault`, or `number_faults` for one To number).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

RESOURCE_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/(?P<kind>Messages|Calls)\.json$")
DEFAULT_PAGE_SIZE = 50  # Twilio's
MAX_PAGE_SIZE = 1000
FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")  # in the order Twilio writes them


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
class ReceivedCall:
    """One create-call request as the stand-in saw it."""

    account_sid: str
    to: str | None
    from_: str | None
    twiml: str | None
    url: str | None
    auth: tuple[str, str] | None
    sid: str = ""


@dataclass(slots=True)
class Fault:
    """An error answer: HTTP status, optional Twilio code and message, optional Retry-After."""

    status: int
    code: int | None = None
    message: str = "error"
    retry_after: str | None = None


def rfc2822(when: datetime) -> str:
    """Twilio's date format: `Fri, 24 May 2019 17:44:50 +0000`."""
    return format_datetime(when.astimezone(UTC).replace(tzinfo=None)) + " +0000"


def formatted(number: str | None) -> str | None:
    """`(415) 867-5309` for a NANP number, as Twilio's to_formatted shows it; else as it is."""
    if number and re.fullmatch(r"\+1\d{10}", number):
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


class TwilioStandin:
    """Start with `with TwilioStandin() as twilio:`; point api_url at `twilio.url`."""

    def __init__(self, credentials: dict[str, str] | None = None) -> None:
        self.credentials = credentials  # sid -> token; when given, others get 401 code 20003
        self.received: list[ReceivedSMS] = []  # accepted (201) create-message requests only
        self.calls: list[ReceivedCall] = []  # accepted (201) create-call requests only
        self.messages: list[dict[str, Any]] = []  # every Message resource, as the list shows them
        self.attempts = 0  # every POST that reached a handler
        self.requests: Counter[str] = Counter()  # "POST Messages", "GET Messages", "POST Calls"
        self.fault: Fault | None = None  # every request
        self.call_fault: Fault | None = None  # create-call requests only
        self.list_fault: Fault | None = None  # list requests only
        self.number_faults: dict[str, Fault] = {}  # create requests to one To number
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

    def inject(self, from_: str, body: str, *, to: str, sent: datetime | float | None = None,
               account_sid: str = "AC" + "0" * 32) -> str:
        """An inbound SMS from `from_` to the Twilio number `to`, sent at `sent` (default now,
        epoch seconds or an aware datetime); returns its SID."""
        if sent is None:
            when = datetime.now(UTC)
        elif isinstance(sent, datetime):
            when = sent
        else:
            when = datetime.fromtimestamp(sent, UTC)
        sid = "SM" + uuid.uuid4().hex
        message = _message_resource(sid, account_sid, to=to, from_=from_, body=body,
                                    service=None, created=when, sent=when)
        message.update(direction="inbound", status="received", price=None)
        with self._lock:
            self.messages.append(message)
        return sid

    def _record(self, request: ReceivedSMS, resource: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(request)
            self.messages.append(resource)


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _message_resource(sid: str, account_sid: str, *, to: str | None, from_: str | None,
                      body: str | None, service: str | None, created: datetime,
                      sent: datetime | None) -> dict[str, Any]:
    """A Message resource with the fields and formats of twilio-oai's api.v2010.account.message."""
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"
    return {
        "account_sid": account_sid, "api_version": "2010-04-01", "body": body,
        "date_created": rfc2822(created), "date_sent": rfc2822(sent) if sent else None,
        "date_updated": rfc2822(sent or created), "direction": "outbound-api",
        "error_code": None, "error_message": None, "from": from_,
        "messaging_service_sid": service, "num_media": "0", "num_segments": "1", "price": None,
        "price_unit": "USD", "sid": sid, "status": "accepted" if service else "queued",
        "subresource_uris": {"media": uri.replace(".json", "/Media.json"),
                             "feedback": uri.replace(".json", "/Feedback.json")},
        "to": to, "uri": uri,
        "_sent": sent or created,  # the stand-in's own sort and filter key; never shown
    }


def _call_resource(call: ReceivedCall) -> dict[str, Any]:
    """A Call resource as twilio-oai's api.v2010.account.call defines it, just queued."""
    now = rfc2822(datetime.now(UTC))
    uri = f"/2010-04-01/Accounts/{call.account_sid}/Calls/{call.sid}.json"
    subresources = ("notifications", "recordings", "payments", "events", "siprec", "streams",
                    "transcriptions", "user_defined_message_subscriptions",
                    "user_defined_messages")
    return {
        "account_sid": call.account_sid, "answered_by": None, "api_version": "2010-04-01",
        "caller_name": None, "date_created": now, "date_updated": now,
        "direction": "outbound-api", "duration": None, "end_time": None,
        "forwarded_from": None, "from": call.from_, "from_formatted": formatted(call.from_),
        "group_sid": None, "parent_call_sid": None,
        "phone_number_sid": "PN" + uuid.uuid4().hex, "price": None, "price_unit": "USD",
        "queue_time": "0", "sid": call.sid, "start_time": None, "status": "queued",
        "subresource_uris": {
            name: uri.replace(".json", f"/{''.join(p.title() for p in name.split('_'))}.json")
            for name in subresources},
        "to": call.to, "to_formatted": formatted(call.to), "trunk_sid": None, "uri": uri,
    }


def _date_filter(value: str) -> datetime | None:
    """A DateSent filter value: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (what twilio-python
    sends)."""
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _matches(message: dict[str, Any], query: dict[str, str]) -> bool:
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    sent: datetime = message["_sent"]
    for key in ("DateSent", "DateSent<", "DateSent>"):
        if key not in query:
            continue
        bound = _date_filter(query[key])
        if bound is None:
            continue
        day_only = len(query[key]) == 10  # a whole UTC date: compared by date, as Twilio does
        left, right = (sent.date(), bound.date()) if day_only else (sent, bound)
        if (key == "DateSent" and left != right) or (key == "DateSent<" and left > right) or (
                key == "DateSent>" and left < right):
            return False
    return True


def _page(standin: TwilioStandin, account_sid: str, query: dict[str, str]) -> dict[str, Any]:
    """One page of the list, newest first, with Twilio's list envelope and paging links."""
    try:
        size = min(max(int(query.get("PageSize", DEFAULT_PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        number = max(int(query.get("Page", 0)), 0)
    except ValueError:
        size, number = DEFAULT_PAGE_SIZE, 0
    with standin._lock:
        found = [m for m in standin.messages if m["account_sid"] == account_sid
                 and _matches(m, query)]
    found.sort(key=lambda m: m["_sent"], reverse=True)
    token = query.get("PageToken", "")
    start = number * size
    if token.startswith("PA"):  # the next page starts after the record the token names
        after = [i for i, m in enumerate(found) if m["sid"] == token[2:]]
        start = after[0] + 1 if after else start
    records = found[start:start + size]
    base = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
    filters = [(k, query[k]) for k in FILTERS if k in query]

    def link(page: int, page_token: str | None = None) -> str:
        params = [*filters, ("PageSize", str(size)), ("Page", str(page))]
        if page_token:
            params.append(("PageToken", page_token))
        return f"{base}?{urlencode(params)}"

    more = start + size < len(found)
    return {
        "end": start + max(len(records) - 1, 0),
        "first_page_uri": link(0),
        "next_page_uri": link(number + 1, "PA" + records[-1]["sid"]) if more and records else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": link(number - 1, "PB" + records[0]["sid"])
        if number > 0 and records else None,
        "messages": [{k: v for k, v in m.items() if not k.startswith("_")} for m in records],
        "start": start,
        "uri": link(number, token or None),
    }


def _handler_for(standin: TwilioStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 (the default): one request per connection, so stop() is a real outage

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            match = self._resource(parts.path, "GET")
            if match is None or not self._allowed(match["sid"], standin.list_fault):
                return
            self._answer(200, _page(standin, match["sid"], query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in
                    parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
            with standin._lock:
                standin.attempts += 1
            match = self._resource(self.path, "POST")
            if match is None:
                return
            extra = standin.call_fault if match["kind"] == "Calls" else None
            fault = extra or standin.number_faults.get(form.get("To", ""))
            if not self._allowed(match["sid"], fault):
                return
            if match["kind"] == "Calls":
                self._create_call(match["sid"], form)
            else:
                self._create_message(match["sid"], form)

        def _resource(self, path: str, method: str) -> re.Match[str] | None:
            match = RESOURCE_PATH.match(urlsplit(path).path)
            with standin._lock:
                standin.requests[f"{method} {match['kind'] if match else 'other'}"] += 1
            if standin.hang:
                standin._release.wait(30)
                return None
            if match is None or (method == "GET" and match["kind"] != "Messages"):
                self._answer(404, {"code": 20404, "message": "The requested resource "
                                   f"{path} was not found", "status": 404})
                return None
            return match

        def _allowed(self, account_sid: str, extra: Fault | None) -> bool:
            """Check Basic auth, then the faults; answer the error and return False if one holds."""
            auth = _basic_auth(self.headers.get("Authorization"))
            expected = standin.credentials
            if expected is not None and (auth is None or expected.get(auth[0]) != auth[1]
                                         or auth[0] != account_sid):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401,
                                   "more_info": "https://www.twilio.com/docs/errors/20003"})
                return False
            fault = standin.fault or extra
            if fault is None:
                return True
            body: dict[str, Any] = {"code": fault.code, "message": fault.message,
                                    "status": fault.status}
            if fault.code:
                body["more_info"] = f"https://www.twilio.com/docs/errors/{fault.code}"
            self._answer(fault.status, body,
                         {"Retry-After": fault.retry_after} if fault.retry_after else {})
            return False

        def _create_message(self, account_sid: str, form: dict[str, str]) -> None:
            sms = ReceivedSMS(
                account_sid=account_sid,
                to=form.get("To"),
                from_=form.get("From"),
                messaging_service_sid=form.get("MessagingServiceSid"),
                body=form.get("Body"),
                auth=_basic_auth(self.headers.get("Authorization")),
                headers=dict(self.headers.items()),
            )
            now = datetime.now(UTC)
            resource = _message_resource("SM" + uuid.uuid4().hex, account_sid, to=sms.to,
                                         from_=sms.from_, body=sms.body,
                                         service=sms.messaging_service_sid, created=now, sent=None)
            standin._record(sms, resource)
            self._answer(201, {k: v for k, v in resource.items() if not k.startswith("_")})

        def _create_call(self, account_sid: str, form: dict[str, str]) -> None:
            if not form.get("To") or not form.get("From"):
                self._answer(400, {"code": 21201 if not form.get("To") else 21213,
                                   "message": "No 'To' or 'From' number is specified",
                                   "status": 400})
                return
            if not form.get("Twiml") and not form.get("Url"):
                self._answer(400, {"code": 21205, "message": "Url or Twiml is required",
                                   "status": 400})
                return
            call = ReceivedCall(account_sid, form.get("To"), form.get("From"), form.get("Twiml"),
                                form.get("Url"), _basic_auth(self.headers.get("Authorization")),
                                sid="CA" + uuid.uuid4().hex)
            with standin._lock:
                standin.calls.append(call)
            self._answer(201, _call_resource(call))

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
