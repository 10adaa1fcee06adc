"""Answers and frameworks for the analysis tests: arranged in their own context, ids back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Question, Response
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.themes.models import Framework, FrameworkAnswer, Theme, ThemeMember
from tests.feedback.factories import make_questionnaire


def make_answers(
    app: Flask,
    texts: Sequence[str],
    *,
    groups: Sequence[str | None] | None = None,
    regions: Sequence[str] | None = None,
    event_id: int | None = None,
    anonymous: bool = False,
) -> list[int]:
    """One submitted response per text to a one-question questionnaire; answer ids back."""
    questionnaire_id = make_questionnaire(
        app, None, event_id=event_id, anonymous=anonymous,
        pages=[[("long_text", "What would make the biggest difference?", False, ())]],
    )  # fmt: skip
    with app.app_context():
        question_id = db.session.execute(
            select(Question.id).where(Question.questionnaire_id == questionnaire_id)
        ).scalar_one()
        group_ids = dict(
            db.session.execute(select(StakeholderGroup.name, StakeholderGroup.id)).all()
        )
        ids = []
        now = utcnow()
        for n, text in enumerate(texts):
            group = groups[n] if groups else None
            response = Response(
                questionnaire_id=questionnaire_id,
                submission_key=f"k{n}",
                status="submitted",
                anonymous=anonymous,
                event_id=event_id,
                stakeholder_group_id=group_ids.get(group) if group else None,
                region="" if anonymous or not regions else regions[n],
                answered_at=now - timedelta(days=n % 30),
                consent_at=now,
            )
            db.session.add(response)
            db.session.flush()
            answer = Answer(response_id=response.id, question_id=question_id, text=text)
            db.session.add(answer)
            db.session.flush()
            ids.append(answer.id)
        db.session.commit()
        return ids


def make_framework(
    app: Flask,
    themes: dict[str, Sequence[int]],
    *,
    sentiments: dict[int, float] | None = None,
    not_relevant: Sequence[int] = (),
    quotes: dict[str, Sequence[int]] | None = None,
) -> tuple[int, dict[str, int]]:
    """A framework whose themes hold the given answers: (framework id, {name: theme id})."""
    with app.app_context():
        framework = Framework(name="Test framework")
        db.session.add(framework)
        db.session.flush()
        members = {a for ids in themes.values() for a in ids}
        for answer_id in members:
            db.session.add(
                FrameworkAnswer(
                    framework_id=framework.id,
                    answer_id=answer_id,
                    sentiment=(sentiments or {}).get(answer_id, 0.0),
                    not_relevant=answer_id in not_relevant,
                )
            )
        theme_ids = {}
        for position, (name, answer_ids) in enumerate(themes.items()):
            theme = Theme(
                framework_id=framework.id,
                name=name,
                position=position,
                quote_answer_ids=list((quotes or {}).get(name, answer_ids[:3])),
                member_count=len(answer_ids),
                sentiment_sum=sum((sentiments or {}).get(a, 0.0) for a in answer_ids),
            )
            db.session.add(theme)
            db.session.flush()
            for answer_id in answer_ids:
                db.session.add(ThemeMember(theme_id=theme.id, answer_id=answer_id))
            theme_ids[name] = theme.id
        db.session.commit()
        return framework.id, theme_ids
