"""Secrets never reach the log, not even inside a traceback."""

import logging

from bot.logs import REDACTED, RedactingFormatter

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_token_is_redacted_from_messages_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(levelname)s %(message)s", [TOKEN])
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates failed")
    except ConnectionError as exc:
        record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "url %s", (f"/bot{TOKEN}/x",), (
            type(exc), exc, exc.__traceback__
        ))  # fmt: skip
    text = formatter.format(record)
    assert TOKEN not in text
    assert text.count(REDACTED) == 2 and "Traceback" in text
