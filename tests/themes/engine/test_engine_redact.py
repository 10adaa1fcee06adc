"""Personal data is redacted before anyone reads or clusters an answer."""

from __future__ import annotations

import pytest

from ohwb_engage.themes.engine import redact


@pytest.mark.parametrize(
    ("text", "gone", "placeholder"),
    [
        ("email jo.bloggs@nhs.net please", "jo.bloggs@nhs.net", "[email]"),
        ("ring 07700 900123 today", "07700 900123", "[phone]"),
        ("call +44 (0)115 123 4567", "115 123 4567", "[phone]"),
        ("landline 0115-123-4567", "0115-123-4567", "[phone]"),
        ("my NHS number is 943 476 5919", "943 476 5919", "[nhs number]"),
        ("nhs no 9434765919.", "9434765919", "[nhs number]"),
        ("I live at NG7 2UH now", "NG7 2UH", "[postcode]"),
        ("postcode sw1a1aa", "sw1a1aa", "[postcode]"),
        ("Hello, my name is John Smith and", "John Smith", "[name]"),
        ("my name is sarah, thanks", "sarah", "[name]"),
        ("I'm called Priya at work", "Priya", "[name]"),
        ("This is Dr Patel from the OH team", "Patel", "[name]"),
        ("a nurse named Sarah Jones helped", "Sarah Jones", "[name]"),
        ("call me sam please", "sam", "[name]"),
        ("My name is JOHN SMITH", "SMITH", "[name]"),
    ],
)
def test_redacts_personal_data(text: str, gone: str, placeholder: str) -> None:
    out = redact(text)
    assert gone not in out
    assert placeholder in out


def test_leaves_ordinary_text_alone() -> None:
    text = "This is great from start to finish; 10 out of 10, ward 5 in 2023."
    assert redact(text) == text
    assert redact("") == ""


def test_is_idempotent() -> None:
    text = "my name is Ann Lee, 07700 900123, ann@x.org, NG1 5DT"
    assert redact(redact(text)) == redact(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # lower-case text: the surname goes too, an ordinary word after it stays
        ("my name is john smith and I work nights", "my name is [name] and I work nights"),
        ("my name is sarah and i work here", "my name is [name] and i work here"),
        ("i'm called jo bloggs", "i'm called [name]"),
        ("my name is Dr smith", "my name is Dr [name]"),
    ],
)
def test_redacts_whole_names_in_lower_case(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a named OH contact would help",
        "A named Occupational Health contact",
        "the named nurse was great",
        "Named OH contact for every manager",
        "it was named after the ward",
        "please call me back tomorrow",
        "my name is not important",
    ],
)
def test_no_false_names(text: str) -> None:
    assert redact(text) == text
