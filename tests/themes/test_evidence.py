"""Evidence is computed from the live framework: counts, groups, events, sentiment, quotes."""

from __future__ import annotations

from flask import Flask

from ohwb_engage.extensions import db
from ohwb_engage.themes.evidence import evidence_for
from ohwb_engage.themes.models import ThemeMember
from tests.feedback.factories import make_event
from tests.themes.factories import make_answers, make_framework


def test_union_of_themes_counts_each_answer_once(app: Flask) -> None:
    club = make_event(app, title="Breakfast Club: MSK")
    a = make_answers(
        app,
        ["Physio waits are too long", "Fast-track physio helped", "Managers need training"],
        groups=["OH lead", "OH clinician", "System leader"],
        regions=["London", "London", "North West"],
        event_id=club,
    )
    b = make_answers(app, ["Line managers lack confidence"], groups=[None])
    _, themes = make_framework(
        app,
        {"MSK": [a[0], a[1]], "Managers": [a[1], a[2], b[0]]},
        sentiments={a[0]: -0.5, a[1]: 0.5, a[2]: -0.2, b[0]: -0.4},
    )
    with app.app_context():
        evidence = evidence_for([themes["MSK"], themes["Managers"]])
    assert evidence.answers == 4 and evidence.responses == 4
    assert dict(evidence.by_stakeholder_group) == {
        "OH lead": 1, "OH clinician": 1, "System leader": 1, "Not given": 1,
    }  # fmt: skip
    assert dict(evidence.by_event) == {"Breakfast Club: MSK": 3, "No event": 1}
    assert dict(evidence.by_region)["London"] == 2
    assert abs(evidence.mean_sentiment - (-0.5 + 0.5 - 0.2 - 0.4) / 4) < 1e-9


def test_follows_changes_and_ignores_not_relevant(app: Flask) -> None:
    ids = make_answers(app, ["one", "two", "three", "four"])
    _, themes = make_framework(app, {"T": ids[:3]}, not_relevant=[ids[2]])
    with app.app_context():
        assert evidence_for([themes["T"]]).answers == 2
        db.session.add(ThemeMember(theme_id=themes["T"], answer_id=ids[3]))
        db.session.commit()
        assert evidence_for([themes["T"]]).answers == 3  # live: no stored totals


def test_quotes_come_from_the_themes_and_skip_removed_answers(app: Flask) -> None:
    ids = make_answers(app, ["Keep the OH service in house", "More physio", "n/a text"])
    _, themes = make_framework(
        app, {"OH": [ids[0]], "MSK": [ids[1]]}, quotes={"OH": [ids[0], ids[2]], "MSK": [ids[1]]}
    )
    with app.app_context():
        quotes = evidence_for([themes["OH"], themes["MSK"]]).quotes
    assert [q.answer_id for q in quotes] == [ids[0], ids[1]]  # ids[2] is not in either theme


def test_no_themes_no_evidence(app: Flask) -> None:
    with app.app_context():
        assert evidence_for([]).empty
