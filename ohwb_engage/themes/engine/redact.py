"""Redact personal data from free text before anyone reads or clusters it.

Pure regular expressions: the feedback module reuses :func:`redact` on answers
before analysts see them, so it must be cheap, deterministic and dependency-free.
"""

from __future__ import annotations

import re

__all__ = ["PLACEHOLDERS", "redact"]

#: Placeholders inserted for each kind of personal data (tokenisers skip them).
PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[phone]",
    "nhs_number": "[nhs number]",
    "postcode": "[postcode]",
    "name": "[name]",
}

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# UK numbers: +44 / (0) prefixes, 0 followed by 9-10 digits with optional spaces/dashes.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"
)
# NHS number: 10 digits, optionally spaced or dashed 3-3-4.
_NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)")
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_NAME_WORD = r"[A-Z][\w'’-]+"
# "my name is john smith", "I'm called Jo", "call me Sam": the next one or two words.
_NAME_AFTER = re.compile(
    r"((?i:\bmy name is|\bmy name's|\bi am called|\bi['’]m called|\bcall me|\bnamed)\s+)"
    r"([\w'’-]+(?:\s+" + _NAME_WORD + r")?)"
)
# "this is Sarah from HR", "it's Dr Patel from": a capitalised name followed by "from".
_NAME_FROM = re.compile(
    r"((?i:\bthis is|\bit['’]s|\bit is|\bi am|\bi['’]m)\s+(?:(?:Dr|Mr|Mrs|Ms|Miss)\.?\s+)?)"
    r"(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)(?=\s+(?i:from)\b)"
)


def redact(text: str) -> str:
    """Replace e-mails, UK phone numbers, NHS numbers, postcodes and self-given names.

    Order matters: e-mails first (they contain digits and words), then phone numbers
    (a leading 0 or +44), then bare 10-digit NHS numbers, then postcodes and names.
    """
    if not text:
        return text or ""
    out = _EMAIL.sub(PLACEHOLDERS["email"], text)
    out = _PHONE.sub(PLACEHOLDERS["phone"], out)
    out = _NHS_NUMBER.sub(PLACEHOLDERS["nhs_number"], out)
    out = _POSTCODE.sub(PLACEHOLDERS["postcode"], out)
    out = _NAME_FROM.sub(lambda m: m.group(1) + PLACEHOLDERS["name"], out)
    out = _NAME_AFTER.sub(lambda m: m.group(1) + PLACEHOLDERS["name"], out)
    return out
