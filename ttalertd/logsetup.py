"""Logging: stderr always, a --log file that follows logrotate, and secrets masked on the way out."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Last line of defence: a token that reaches a log record is replaced before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if any(s in text for s in self.secrets):
                for secret in self.secrets:
                    text = text.replace(secret, "***")
                record.msg, record.args = text, None
        return True


REDACT = RedactSecrets()


def setup_logging(log_file: str | None = None, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler()]  # stderr: stdout carries messages
    if log_file:
        handlers.append(_private_log_file(log_file))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(REDACT)
        root.addHandler(handler)


def _private_log_file(path: str) -> logging.Handler:
    """A handler appending to `path`, reopened when logrotate moves it; a file it creates is 0600
    (the log names hosts, users and numbers), whatever the umask."""
    # only with --log: logging.handlers pulls in socket, pickle and queue (~6 ms of start-up)
    import io
    from logging.handlers import WatchedFileHandler
    from typing import cast

    class PrivateWatchedFileHandler(WatchedFileHandler):
        def _open(self) -> io.TextIOWrapper:
            # the handler owns the stream and closes it (as the stdlib's _open does)
            return cast(io.TextIOWrapper, open(self.baseFilename, self.mode,
                                               encoding=self.encoding, errors=self.errors,
                                               opener=_create_0600))

    return PrivateWatchedFileHandler(path)


def _create_0600(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def config_secrets(config) -> list[str]:
    """The values no output may show: Twilio's token, Alertmanager's bearer token, webhook
    headers, a heartbeat URL's path and query."""
    secrets = []
    if config.twilio is not None:
        secrets.append(config.twilio.auth_token)
    if config.alertmanager is not None and config.alertmanager.bearer_token:
        secrets.append(config.alertmanager.bearer_token)
    if config.webhook is not None:
        secrets.extend(value for _, value in config.webhook.headers)
    if config.heartbeat is not None:  # a dead man's switch's secret is its path or query
        from urllib.parse import urlsplit

        for url in (config.heartbeat.url, config.heartbeat.fail_url):
            if url:
                parts = urlsplit(url)
                secrets.extend(s for s in (parts.path, parts.query) if len(s) > 1)
    return secrets
