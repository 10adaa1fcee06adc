"""Logging that keeps personal data out: e-mail addresses and link tokens are masked.

Applied as records are created, so werkzeug and gunicorn request lines are covered too.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Signed tokens in paths: URL-safe base64 parts joined by dots, ending in a long signature.
TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.[A-Za-z0-9_-]{20,}")
QUERY_EMAIL = re.compile(r"(email=)[^&\s]+", re.IGNORECASE)


def scrub(text: str) -> str:
    text = QUERY_EMAIL.sub(r"\1[redacted]", text)
    text = EMAIL.sub("[email]", text)
    return TOKEN.sub("[token]", text)


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return
    cleaned = scrub(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None


_installed = False


def configure_logging(level: str) -> None:
    """Scrub every record as it is made: no handler, library or propagation path can skip it."""
    global _installed
    if not _installed:
        make_record = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _scrub_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces each of its plugins whenever an app starts; that says nothing useful.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
