"""The demo gives analysts a realistic corpus, deterministically, with or without events."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage import demo
from ohwb_engage.extensions import db
from ohwb_engage.feedback.demo_corpus import NON_ANSWERS, THEMES, compose
from ohwb_engage.feedback.models import Invitation, Questionnaire, Response
from ohwb_engage.feedback.services import corpus
from ohwb_engage.workshops.models import Event
from tests.conftest import empty_all_tables
from tests.feedback.factories import make_event, make_registration


def _texts(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return [(item.questionnaire_id, item.text) for item in corpus()]


def test_seed_demo_builds_a_corpus_worth_analysing(app: Flask, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "KLOE questionnaire with 110 online responses and 60 imported notes" in result.output
    with app.app_context():
        kinds = Counter(db.session.execute(select(Questionnaire.kind)).scalars())
        assert kinds == {"kloe": 1, "session_evaluation": 3, "follow_up": 1}
        evaluated = select(Questionnaire.event_id).where(Questionnaire.kind == "session_evaluation")
        clubs = list(db.session.execute(select(Event).where(Event.id.in_(evaluated))).scalars())
        assert len(clubs) == 3 and all(e.kind == "breakfast_club" for e in clubs)
        items = corpus()
        sources = Counter(item.source for item in items)
        assert sources["imported"] == 60 and sources["online"] > 300
        texts = [item.text for item in items]
        assert len(set(texts)) > 0.6 * len(texts)  # varied, not a handful repeated
        lengths = sorted(len(t) for t in texts)
        assert lengths[len(lengths) // 10] < 60 and lengths[-len(lengths) // 10] > 250
        assert sum(t in NON_ANSWERS for t in texts) >= 5
        redacted = [t for t in texts if "[phone]" in t or "[email]" in t or "[name]" in t]
        assert 3 <= len(redacted) < 0.1 * len(texts)
        assert not any("07700 900461" in t or "k.osei@nhs.net" in t for t in texts)
        groups = {item.stakeholder_group for item in items}
        assert {"OH lead", "Wellbeing lead", "OH clinician", "System leader"} <= groups
        assert len({item.region for item in items if item.region}) >= 6
        # Themes are recognisable: each has plenty of answers drawing on its phrases.
        for key, bank in THEMES.items():
            phrases = [p for kind in ("problem", "positive", "suggestion") for p in bank[kind]]
            hits = sum(any(p[:40].lower() in t.lower() for p in phrases) for t in texts)
            assert hits >= 10, key
        responded = db.session.execute(
            select(func.count(Invitation.id)).where(Invitation.responded_at.is_not(None))
        ).scalar_one()
        assert responded > 50  # evaluations answered through personal links


def test_the_corpus_is_the_same_every_time(app: Flask, runner) -> None:
    runner.invoke(args=["seed-demo"])
    first = [t for _, t in _texts(app)]
    with app.app_context():
        empty_all_tables()
    runner.invoke(args=["seed-demo"])
    second = [t for _, t in _texts(app)]
    assert len(first) > 300 and sorted(first) == sorted(second)
    a, b = random.Random(3), random.Random(3)
    assert [compose(a, "OH lead").text for _ in range(20)] == [
        compose(b, "OH lead").text for _ in range(20)
    ]


def test_it_uses_past_breakfast_clubs_and_their_attendees(
    app: Flask, runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after the events demo: clubs exist, with attendance recorded."""
    monkeypatch.setattr(demo, "FEATURE_SEEDERS", ["ohwb_engage.feedback.demo"])
    club = make_event(app, title="Breakfast Club: menopause and work", ended_ago=timedelta(days=60))
    make_event(app, kind="codesign_workshop", ended_ago=timedelta(days=5))
    upcoming = make_event(app, title="Breakfast Club: next month", ended_ago=None)
    for n in range(30):
        make_registration(app, club, f"guest{n}@example.org", attended=n < 25)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 3  # none added
        evaluation = db.session.execute(
            select(Questionnaire).where(Questionnaire.kind == "session_evaluation")
        ).scalar_one()
        assert evaluation.event_id == club and evaluation.auto_send
        invited = db.session.execute(
            select(func.count(Invitation.id)).where(Invitation.questionnaire_id == evaluation.id)
        ).scalar_one()
        assert invited == 25  # attendees only
        linked = db.session.execute(
            select(func.count(Response.id)).where(
                Response.questionnaire_id == evaluation.id, Response.registration_id.is_not(None)
            )
        ).scalar_one()
        assert linked > 5
        assert not db.session.execute(
            select(Questionnaire).where(Questionnaire.event_id == upcoming)
        ).first()
