"""Logging: stderr always, a --log file that follows logrotate, and secrets masked on the way
out."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from ttalertd.config.secrets import MIN_SECRET, redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Last line of defence: a token that reaches a log record is replaced before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        """The strings to mask: ttalertd.config.secrets.config_secrets(config)."""
        self.secrets = tuple(s for s in secrets if s and len(s) >= MIN_SECRET)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if any(s in text for s in self.secrets):
                text = redact(text, *self.secrets)
                record.msg, record.args = text, None
            if record.exc_info and not record.exc_text:  # a traceback may quote a secret too
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info),
                                         *self.secrets)
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
