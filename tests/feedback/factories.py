"""Feedback factories: arrange in their own app context, return ids.

Events and registrations are made straight from the core models (the events feature's
services are not needed to test feedback).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import count

from flask import Flask
from sqlalchemy import select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import (
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    Section,
)
from ohwb_engage.feedback.services import invitation_token, options_for
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.reference.services import ensure_default_groups
from ohwb_engage.workshops.models import Event, Registration

_seq = count(1)

# (kind, text, required, options) per question; one list per page.
TWO_PAGES: list[list[tuple[str, str, bool, Sequence[str]]]] = [
    [
        ("long_text", "What works well for staff wellbeing where you work?", True, ()),
        ("rating", "How well does support meet staff needs?", False, ()),
    ],
    [
        ("single_choice", "Which matters most?", True, ("Access", "Mental health", "MSK")),
        ("multiple_choice", "Which have you used?", False, ("Physio", "Counselling", "EAP")),
        ("yes_no", "Would you recommend the service?", False, ()),
        ("likert", "Managers understand OH.", False, ()),
        ("short_text", "Your job title", False, ()),
    ],
]
ONE_PAGE = [[("long_text", "What should the programme know?", True, ())]]


def make_event(
    app: Flask,
    *,
    kind: str = "breakfast_club",
    ended_ago: timedelta | None = timedelta(hours=2),
    title: str | None = None,
    status: str = "published",
) -> int:
    """An event that ended ``ended_ago`` ago (None: it is tomorrow)."""
    now = utcnow()
    ends = now - ended_ago if ended_ago is not None else now + timedelta(days=1, hours=1)
    with app.app_context():
        event = Event(
            title=title or f"Breakfast Club {next(_seq)}",
            kind=kind,
            starts_at=ends - timedelta(hours=1),
            ends_at=ends,
            status=status,
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def group_id(app: Flask, name: str) -> int:
    with app.app_context():
        ensure_default_groups()
        db.session.commit()
        return db.session.execute(
            select(StakeholderGroup.id).where(StakeholderGroup.name == name)
        ).scalar_one()


def make_registration(
    app: Flask,
    event_id: int,
    email: str | None = None,
    *,
    attended: bool = True,
    status: str = "confirmed",
    name: str = "Pat Example",
    organisation: str = "Example NHS Trust",
    region: str = "London",
    group: str | None = "OH lead",
) -> int:
    gid = group_id(app, group) if group else None
    with app.app_context():
        registration = Registration(
            event_id=event_id,
            email=email or f"person{next(_seq)}@example.org",
            name=name,
            organisation=organisation,
            region=region,
            stakeholder_group_id=gid,
            status=status,
            attended_at=utcnow() if attended else None,
        )
        db.session.add(registration)
        db.session.commit()
        return registration.id


def make_questionnaire(
    app: Flask,
    creator_id: int | None,
    *,
    pages: list[list[tuple[str, str, bool, Sequence[str]]]] = ONE_PAGE,
    kind: str = "kloe",
    title: str | None = None,
    status: str = QuestionnaireStatus.PUBLISHED.value,
    open_link: bool = True,
    anonymous: bool = False,
    event_id: int | None = None,
    auto_send: bool = False,
    follow_up_weeks: int | None = None,
    redact: bool = True,
    retention_days: int = 730,
    original_retention_days: int = 0,
    closes_at: datetime | None = None,
    opens_at: datetime | None = None,
) -> int:
    with app.app_context():
        ensure_default_groups()  # as creating one through the service does
        questionnaire = Questionnaire(
            title=title or f"Questionnaire {next(_seq)}",
            kind=kind,
            status=status,
            open_link=open_link,
            anonymous=anonymous,
            event_id=event_id,
            auto_send=auto_send,
            follow_up_weeks=follow_up_weeks,
            redact=redact,
            retention_days=retention_days,
            original_retention_days=original_retention_days,
            closes_at=closes_at,
            opens_at=opens_at,
            created_by_id=creator_id,
            published_at=utcnow() if status != "draft" else None,
        )
        db.session.add(questionnaire)
        db.session.flush()
        position = 0
        for page_index, questions in enumerate(pages):
            section = Section(
                questionnaire_id=questionnaire.id,
                position=page_index,
                title=f"Part {page_index + 1}",
            )
            db.session.add(section)
            db.session.flush()
            for kind_value, text, required, options in questions:
                db.session.add(
                    Question(
                        questionnaire_id=questionnaire.id,
                        section_id=section.id,
                        position=position,
                        kind=kind_value,
                        text=text,
                        required=required,
                        options=options_for(QuestionKind(kind_value), list(options)),
                    )
                )
                position += 1
        db.session.commit()
        return questionnaire.id


def question_ids(app: Flask, questionnaire_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Question.id)
                .where(Question.questionnaire_id == questionnaire_id)
                .order_by(Question.position)
            ).scalars()
        )


def public_code(app: Flask, questionnaire_id: int) -> str:
    with app.app_context():
        return db.session.get_one(Questionnaire, questionnaire_id).public_code


def make_invitation(
    app: Flask, questionnaire_id: int, email: str, *, registration_id: int | None = None
) -> tuple[int, str]:
    """(invitation id, personal link path)."""
    with app.app_context():
        invitation = Invitation(
            questionnaire_id=questionnaire_id,
            email=email,
            name="Pat Example",
            registration_id=registration_id,
            source="attendees" if registration_id else "list",
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation.id, f"/q/p/{invitation_token(invitation)}"
