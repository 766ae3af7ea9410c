"""A loopback HTTP server that records every POST: a stand-in Alertmanager for ttalertd's posts,
and the webhook receiver a real Alertmanager notifies."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(slots=True)
class Post:
    path: str
    headers: dict[str, str]
    body: object  # the parsed JSON
    arrived: float = 0.0  # time.time() when it came in


class Capture:
    """Serves on 127.0.0.1 (a free port) until close(); `statuses` answers the next POSTs
    (then 200), with `error_body` as the body of an answer >= 400."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[Post] = []  # the POSTs answered with success
        self.answers: list[int] = []  # the status of every POST, in order
        self.statuses: list[int] = []
        self.error_body = '{"code":400,"message":"bad alert"}'
        self.changed = threading.Condition()
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with capture.changed:
                    status = capture.statuses.pop(0) if capture.statuses else 200
                    capture.answers.append(status)
                    if status < 400:
                        capture.posts.append(Post(self.path, dict(self.headers), json.loads(raw),
                                                  time.time()))
                    capture.changed.notify_all()
                body = capture.error_body.encode() if status >= 400 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout: float) -> bool:
        """Wait (bounded) until predicate(posts) holds; its last value."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.posts), timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
