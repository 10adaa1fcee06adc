"""Redact personal data from free text before anyone reads or clusters it.

Regular expressions and a small word list: the feedback module reuses :func:`redact` on answers
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
_NAME_WORD = r"[A-Z][\w'\u2019-]+"
_WORD = re.compile(r"[\w'\u2019-]+")
_TITLE = re.compile(r"(?i:dr|mr|mrs|ms|miss|mx|prof)\.?\s+")
# Explicit self-introductions and "a nurse named ...": the name is the next one or two
# words, in any case (people often type in lower case).
_NAME_AFTER = re.compile(
    r"(?i:\b(?:my name is|my name's|my name\u2019s|i am called|i['\u2019]m called|call me"
    r"|(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bmy )(?<!\bour )(?<!\byour )(?<!\btheir )"
    r"(?<!\bhis )(?<!\bher )(?<!\beach )(?<!\bevery )(?<!\bno )named))\s+"
)
# "this is Sarah from HR", "it's Dr Patel from": a capitalised name followed by "from".
_NAME_FROM = re.compile(
    r"((?i:\bthis is|\bit['\u2019]s|\bit is|\bi am|\bi['\u2019]m)\s+"
    r"(?:(?:Dr|Mr|Mrs|Ms|Miss)\.?\s+)?)"
    r"(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)(?=\s+(?i:from)\b)"
)
#: Words that are not a name: what follows "call me" ("call me back") or "named"
#: ("named after") and what ends a lower-case name ("my name is sarah and ...").
_NOT_NAME_TEXT = """
    a an the and or but nor so yet if as of to in on at by for with from into onto about
    after before over under than then there here where when while who whom whose what
    which why how is am are was were be been being do does did have has had having will
    would shall should can could may might must not no yes nope i i'm im i've ive i'd id
    i'll me my mine myself we us our you your he him his she her it its they them their
    this that these those all any some every each both either neither one someone
    anyone nobody everyone just only also too very really still again back now later
    soon today tomorrow tonight yesterday anytime asap whenever please thanks thank
    cheers sorry hi hello dear ok okay well so because though although but get got
    work works working worked job role here's there's it's that's
    """
_NOT_NAME = frozenset(_NOT_NAME_TEXT.split())


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    return "title" if word[0].isupper() else "lower"


def _name_span(text: str, start: int, acronyms_allowed: bool = True) -> int:
    """End of the name that starts at ``start`` (after a trigger), or ``start`` if none.

    One word, or two when the second is written like the first ("John Smith",
    "john smith", "JOHN SMITH") and, in lower or upper case, is not an ordinary word
    ("sarah and" keeps "and").
    """
    title = _TITLE.match(text, start)
    pos = title.end() if title else start
    first = _WORD.match(text, pos)
    if not first:
        return start
    word = first.group()
    shape = _shape(word)
    if word.lower() in _NOT_NAME and not (title or shape == "title"):
        return start
    if shape == "upper" and not acronyms_allowed:  # "a named OH contact"
        return start
    end = first.end()
    gap = re.match(r"[ \t]+", text[end:])
    second = _WORD.match(text, end + gap.end()) if gap else None
    if second:
        w = second.group()
        same = _shape(w) == shape or (shape == "lower" and _shape(w) == "title")
        if same and (shape == "title" or w.lower() not in _NOT_NAME):
            end = second.end()
    return end


def _redact_names_after(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _NAME_AFTER.finditer(text):
        if m.start() < pos:
            continue
        named = m.group().rstrip().lower().endswith("named")
        end = _name_span(text, m.end(), acronyms_allowed=not named)
        if end == m.end():
            continue
        title = _TITLE.match(text, m.end())
        keep = text[m.end() : title.end()] if title else ""
        out.append(text[pos : m.end()] + keep + PLACEHOLDERS["name"])
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
    out = _redact_names_after(out)
    return out
