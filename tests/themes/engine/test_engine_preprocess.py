"""Every answer gets an explicit status; tokens are stems, labels read as words."""

from __future__ import annotations

from ohwb_engage.themes.engine import Preprocessor
from ohwb_engage.themes.engine.preprocess import normalise


def test_statuses_for_edge_cases() -> None:
    texts = [
        "", "   ", "N/A", "Nothing.", "no comment", "No, nothing thank you",
        "Parking is awful", "parking is awful", "Merci, c'est très bien, pas de problème pour nous",
        "这是很好的服务", "Parking", "the and of",
    ]  # fmt: skip
    pc = Preprocessor().transform(texts)
    assert pc.status == (
        "empty", "empty", "non_answer", "non_answer", "non_answer", "non_answer",
        "answer", "duplicate", "non_english", "non_english", "answer", "no_terms",
    )  # fmt: skip
    assert pc.duplicate_of[7] == 6
    assert pc.tokens[7] == pc.tokens[6]
    assert pc.counts()["non_answer"] == 4


def test_stems_keep_most_common_surface_form() -> None:
    pc = Preprocessor().transform(["meetings ran late", "the meeting was good", "meetings help"])
    stem = pc.tokens[0][0]
    assert stem == "meet"
    assert pc.surface[stem] == "meetings"


def test_domain_stop_words_are_editable() -> None:
    default = Preprocessor().transform(["NHS staff wellbeing"])
    assert default.tokens[0] == ("wellb",) or "nhs" not in default.tokens[0]
    custom = Preprocessor(domain_stop_words=("wellbeing",)).transform(["NHS staff wellbeing"])
    assert "nhs" in custom.tokens[0] and "staff" in custom.tokens[0]


def test_normalise_handles_non_strings_and_quotes() -> None:
    assert normalise(None) == ""
    assert normalise(12) == "12"
    assert normalise("  can\u2019t   wait ") == "can't wait"


def test_personal_data_is_redacted_before_tokenising() -> None:
    pc = Preprocessor().transform(["email me at a.person@nhs.net about parking"])
    assert "[email]" in pc.texts[0]
    assert all("nhs.net" not in t for t in pc.tokens[0])
