"""A loopback HTTP peer that answers one byte at a time, `interval` seconds apart, for as long as
`lasts` seconds: the slow network peer that a per-read socket timeout never notices."""

from __future__ import annotations

import socket
import threading
import time
from typing import Self

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class TrickleServer:
    def __init__(self, *, interval: float = 0.2, lasts: float = 30.0) -> None:
        self.interval, self.lasts = interval, lasts
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.connections = 0
        self.finished = threading.Event()  # a connection ended: the client gave up or got it all
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)  # the request (small enough for one read here)
                end = time.monotonic() + self.lasts
                # a status line padded with header bytes that never end, then the real answer
                stream = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"p" * 10_000
                for byte in stream:
                    if time.monotonic() > end or self._stop.is_set():
                        break
                    conn.sendall(bytes([byte]))
                    time.sleep(self.interval)
            except OSError:
                pass  # the client hung up: what we wait for
            finally:
                self.finished.set()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.listener.close()
