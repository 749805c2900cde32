"""Logging set-up for the long-running commands: secrets never reach the log.

The Bot API puts the token in every URL (`/bot<token>/getUpdates`), and httpx and tracebacks can
repeat URLs, so every formatted record is scrubbed of the secrets given here, tracebacks included.
"""

import logging
import sys
from collections.abc import Iterable

REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(verbose: bool, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # httpx logs every request URL, token included, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
