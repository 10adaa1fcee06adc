"""Free text as it is stored: cleaned, redacted when the questionnaire asks, original kept
only where the retention policy allows."""

from __future__ import annotations

import re

from ohwb_engage.themes.engine.redact import redact

# Control characters other than tab and newlines: PostgreSQL refuses NUL, and none of them
# belong in an answer (they arrive from pasted text and odd exports).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """One newline convention, no control characters, no surrounding blanks."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def stored_text(value: str, *, redacting: bool, keep_original: bool) -> tuple[str, str | None]:
    """(text analysts see, original or None). The original is kept only if it differs."""
    text = clean_text(value)
    if not redacting or not text:
        return text, None
    redacted = redact(text)
    if redacted == text:
        return text, None
    return redacted, text if keep_original else None
