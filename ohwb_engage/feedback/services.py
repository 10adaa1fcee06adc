"""Building questionnaires and sending them out.

Each public function is one use case and commits once; helpers only flush. Domain errors
carry the message for the page. Once a questionnaire has answers, nothing that would orphan
them is allowed: deleting an answered question, changing its type or removing an answered
option is refused with a pointer to "make a new version", which copies the questionnaire and
leaves every answer where it was.

The corpus for the theme engine is in :mod:`ohwb_engage.feedback.corpus` and re-exported
here (``corpus``, ``CorpusFilters``, ``CorpusItem``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ohwb_engage.accounts.models import Role, User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.corpus import CorpusFilters, CorpusItem, corpus, corpus_query
from ohwb_engage.feedback.models import (
    DEFAULT_RATING_LABELS,
    LIKERT_LABELS,
    YES_NO_LABELS,
    Answer,
    ImpactLevel,
    Invitation,
    InvitationSource,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireStatus,
    Response,
    ResponseStatus,
    Section,
)
from ohwb_engage.feedback.standard import STANDARD_SETS
from ohwb_engage.mail.services import queue_email
from ohwb_engage.reference.services import ensure_default_groups
from ohwb_engage.template_helpers import london, london_date
from ohwb_engage.tokens import make_token
from ohwb_engage.urls import external_url
from ohwb_engage.workshops.models import Event, EventStatus, Registration

__all__ = [
    "CorpusFilters",
    "CorpusItem",
    "corpus",
    "corpus_query",
]

INVITE_PURPOSE = "feedback-invite"
ERASED_DOMAIN = "erased.invalid"  # what a data-subject erasure leaves in required e-mail fields
MAX_OPTIONS = 30
CHASE_INTERVAL = timedelta(hours=24)


class FeedbackError(Exception):
    """A rule said no; ``str()`` is the message for the page."""


class NotAllowed(FeedbackError):
    pass


class WouldOrphanAnswers(FeedbackError):
    """The change would leave answers without their question or option."""


# --- who may do what ----------------------------------------------------------------------


def can_manage(user: User, questionnaire: Questionnaire) -> bool:
    """Admins manage every questionnaire; facilitators those they created or whose event they
    facilitate. Analysts read results and the corpus but change nothing."""
    if user.role == Role.ADMIN.value:
        return True
    if user.role != Role.FACILITATOR.value:
        return False
    if questionnaire.created_by_id == user.id:
        return True
    event = questionnaire.event
    return event is not None and event.is_facilitated_by(user)


def can_read_results(user: User, questionnaire: Questionnaire) -> bool:
    return user.role == Role.ANALYST.value or can_manage(user, questionnaire)


def require_manage(user: User, questionnaire: Questionnaire) -> None:
    if not can_manage(user, questionnaire):
        raise NotAllowed("Only its facilitators or an administrator can change this questionnaire")


# --- reading ------------------------------------------------------------------------------


def questionnaire_query(kind: str | None = None, state: str | None = None) -> Select:
    stmt = select(Questionnaire).order_by(Questionnaire.created_at.desc(), Questionnaire.id.desc())
    if kind:
        stmt = stmt.where(Questionnaire.kind == kind)
    now = utcnow()
    if state == "draft":
        stmt = stmt.where(Questionnaire.status == QuestionnaireStatus.DRAFT.value)
    elif state == "open":
        stmt = stmt.where(
            Questionnaire.status == QuestionnaireStatus.PUBLISHED.value,
            or_(Questionnaire.opens_at.is_(None), Questionnaire.opens_at <= now),
            or_(Questionnaire.closes_at.is_(None), Questionnaire.closes_at > now),
        )
    elif state == "closed":
        stmt = stmt.where(
            or_(
                Questionnaire.status == QuestionnaireStatus.CLOSED.value,
                and_(
                    Questionnaire.status == QuestionnaireStatus.PUBLISHED.value,
                    Questionnaire.closes_at <= now,
                ),
            )
        )
    return stmt


def submitted_counts(questionnaire_ids: Sequence[int]) -> dict[int, int]:
    if not questionnaire_ids:
        return {}
    rows = db.session.execute(
        select(Response.questionnaire_id, func.count(Response.id))
        .where(
            Response.questionnaire_id.in_(questionnaire_ids),
            Response.status == ResponseStatus.SUBMITTED.value,
        )
        .group_by(Response.questionnaire_id)
    )
    return {key: value for key, value in rows}


def answer_counts(questionnaire: Questionnaire) -> dict[int, int]:
    """Answers held per question, in-progress answers included: those are answers too."""
    rows = db.session.execute(
        select(Answer.question_id, func.count(Answer.id))
        .join(Question, Question.id == Answer.question_id)
        .where(Question.questionnaire_id == questionnaire.id)
        .group_by(Answer.question_id)
    )
    return {key: value for key, value in rows}


def has_answers(questionnaire: Questionnaire) -> bool:
    return (
        db.session.execute(
            select(Response.id).where(Response.questionnaire_id == questionnaire.id).limit(1)
        ).first()
        is not None
    )


def option_answer_counts(question: Question) -> dict[str, int]:
    counts: dict[str, int] = {}
    for choices in db.session.execute(
        select(Answer.choices).where(Answer.question_id == question.id)
    ).scalars():
        for key in choices or []:
            counts[key] = counts.get(key, 0) + 1
    return counts


def events_for_choice() -> list[Event]:
    return list(
        db.session.execute(
            select(Event)
            .where(Event.status != EventStatus.CANCELLED.value)
            .order_by(Event.starts_at.desc())
            .limit(300)
        ).scalars()
    )


# --- creating and editing -----------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What a facilitator sets about a questionnaire (everything but its questions)."""

    title: str
    kind: str
    introduction: str = ""
    anonymous: bool = False
    open_link: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    event_id: int | None = None
    auto_send: bool = False
    follow_up_weeks: int | None = None
    redact: bool = True
    retention_days: int = 730
    original_retention_days: int = 0


def _check_settings(settings: Settings) -> None:
    if settings.kind not in {k.value for k in QuestionnaireKind}:
        raise FeedbackError("Choose a kind of questionnaire from the list")
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise FeedbackError("The close date must be after the open date")
    if settings.retention_days < 1:
        raise FeedbackError("Keep responses for at least 1 day")
    if settings.original_retention_days > settings.retention_days:
        raise FeedbackError(
            "Unredacted originals cannot be kept longer than the responses themselves"
        )
    if settings.auto_send:
        if settings.event_id is None:
            raise FeedbackError("Choose the event whose attendees it is sent to")
        if settings.kind not in (
            QuestionnaireKind.SESSION_EVALUATION.value,
            QuestionnaireKind.FOLLOW_UP.value,
        ):
            raise FeedbackError(
                "Only session evaluations and follow-up surveys are sent to attendees"
            )
        if settings.kind == QuestionnaireKind.FOLLOW_UP.value and not settings.follow_up_weeks:
            raise FeedbackError("Enter how many weeks after the event the follow-up is sent")
    if settings.event_id is not None and db.session.get(Event, settings.event_id) is None:
        raise FeedbackError("Choose an event from the list")


def _apply(questionnaire: Questionnaire, settings: Settings) -> dict[str, object]:
    changed: dict[str, object] = {}
    for name, value in vars(settings).items():
        if getattr(questionnaire, name) != value:
            old = getattr(questionnaire, name)
            changed[name] = {
                "from": old.isoformat() if isinstance(old, datetime) else old,
                "to": value.isoformat() if isinstance(value, datetime) else value,
            }
            setattr(questionnaire, name, value)
    if questionnaire.kind != QuestionnaireKind.FOLLOW_UP.value:
        questionnaire.follow_up_weeks = None
    return changed


def create_questionnaire(
    settings: Settings, *, actor: User, use_standard_questions: bool = False
) -> Questionnaire:
    if actor.role not in (Role.ADMIN.value, Role.FACILITATOR.value):
        raise NotAllowed("Only facilitators and administrators create questionnaires")
    _check_settings(settings)
    ensure_default_groups()  # participants are asked for theirs: never create them mid-rush
    questionnaire = Questionnaire(created_by_id=actor.id, title="", kind=settings.kind)
    _apply(questionnaire, settings)
    db.session.add(questionnaire)
    db.session.flush()
    if use_standard_questions:
        add_standard_questions(questionnaire)
    else:
        db.session.add(Section(questionnaire_id=questionnaire.id, position=0, title="Questions"))
    db.session.flush()
    record(
        "questionnaire.create",
        questionnaire,
        actor=actor,
        kind=questionnaire.kind,
        standard_questions=use_standard_questions,
    )
    db.session.commit()
    return questionnaire


def options_for(kind: QuestionKind, labels: Sequence[str]) -> list[dict[str, str]]:
    if kind == QuestionKind.RATING:
        labels = list(labels) or DEFAULT_RATING_LABELS
        return [{"key": str(i + 1), "label": label} for i, label in enumerate(labels)]
    if kind == QuestionKind.LIKERT:
        return [{"key": str(i + 1), "label": label} for i, label in enumerate(LIKERT_LABELS)]
    if kind == QuestionKind.YES_NO:
        return [{"key": key, "label": label} for key, label in YES_NO_LABELS]
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return [{"key": f"o{i + 1}", "label": label} for i, label in enumerate(labels)]
    return []


SectionPlan = tuple[str, str, Iterable[dict[str, Any]]]  # title, description, question fields


def _build(questionnaire: Questionnaire, sections: Iterable[SectionPlan]) -> None:
    """Add sections and their questions, numbered in order (only flushes)."""
    position = 0
    for s_index, (title, description, questions) in enumerate(sections):
        section = Section(
            questionnaire_id=questionnaire.id,
            position=s_index,
            title=title,
            description=description,
        )
        db.session.add(section)
        db.session.flush()
        for fields in questions:
            db.session.add(
                Question(
                    questionnaire_id=questionnaire.id,
                    section_id=section.id,
                    position=position,
                    **fields,
                )
            )
            position += 1
    db.session.flush()


def add_standard_questions(questionnaire: Questionnaire) -> None:
    """The standard sections and questions for the questionnaire's kind (only flushes)."""
    _build(
        questionnaire,
        (
            (
                standard.title,
                standard.description,
                (
                    {
                        "kind": item.kind.value,
                        "text": item.text,
                        "help_text": item.help_text,
                        "required": item.required,
                        "options": options_for(item.kind, item.options),
                        "impact_level": item.impact_level.value if item.impact_level else None,
                    }
                    for item in standard.questions
                ),
            )
            for standard in STANDARD_SETS[QuestionnaireKind(questionnaire.kind)]
        ),
    )


def update_settings(questionnaire: Questionnaire, settings: Settings, *, actor: User) -> None:
    require_manage(actor, questionnaire)
    _check_settings(settings)
    if settings.anonymous != questionnaire.anonymous and has_answers(questionnaire):
        raise WouldOrphanAnswers(
            "People answered on the understanding that it was "
            + ("anonymous" if questionnaire.anonymous else "not anonymous")
            + ", so this cannot change now. Make a new version instead."
        )
    changed = _apply(questionnaire, settings)
    if changed:
        record("questionnaire.update", questionnaire, actor=actor, changed=sorted(changed))
    db.session.commit()


def delete_questionnaire(questionnaire: Questionnaire, *, actor: User) -> None:
    require_manage(actor, questionnaire)
    if has_answers(questionnaire):
        raise WouldOrphanAnswers("It has responses, so it cannot be deleted. Close it instead.")
    record("questionnaire.delete", questionnaire, actor=actor, title=questionnaire.title)
    db.session.delete(questionnaire)
    db.session.commit()


def publish(questionnaire: Questionnaire, *, actor: User) -> None:
    require_manage(actor, questionnaire)
    if not questionnaire.questions:
        raise FeedbackError("Add at least one question before publishing")
    now = utcnow()
    if questionnaire.closes_at is not None and questionnaire.closes_at <= now:
        raise FeedbackError("The close date has passed: set a later one first")
    questionnaire.status = QuestionnaireStatus.PUBLISHED.value
    questionnaire.published_at = questionnaire.published_at or now
    questionnaire.closed_at = None
    record("questionnaire.publish", questionnaire, actor=actor)
    db.session.commit()


def close(questionnaire: Questionnaire, *, actor: User) -> None:
    require_manage(actor, questionnaire)
    if questionnaire.status == QuestionnaireStatus.DRAFT.value:
        raise FeedbackError("A draft is not open, so there is nothing to close")
    questionnaire.status = QuestionnaireStatus.CLOSED.value
    questionnaire.closed_at = utcnow()
    record("questionnaire.close", questionnaire, actor=actor)
    db.session.commit()


def new_version(questionnaire: Questionnaire, *, actor: User) -> Questionnaire:
    """Copy it as a draft (next version number) to change freely; the old one keeps its
    answers and is closed if it was open, so people are not split across two versions."""
    require_manage(actor, questionnaire)
    copy = Questionnaire(
        title=questionnaire.title,
        introduction=questionnaire.introduction,
        kind=questionnaire.kind,
        anonymous=questionnaire.anonymous,
        open_link=questionnaire.open_link,
        opens_at=None,
        closes_at=questionnaire.closes_at,
        event_id=questionnaire.event_id,
        auto_send=questionnaire.auto_send,
        follow_up_weeks=questionnaire.follow_up_weeks,
        redact=questionnaire.redact,
        retention_days=questionnaire.retention_days,
        original_retention_days=questionnaire.original_retention_days,
        version=questionnaire.version + 1,
        previous_version_id=questionnaire.id,
        created_by_id=actor.id,
    )
    db.session.add(copy)
    db.session.flush()
    _build(
        copy,
        (
            (
                section.title,
                section.description,
                (
                    {
                        "kind": question.kind,
                        "text": question.text,
                        "help_text": question.help_text,
                        "required": question.required,
                        "options": [dict(o) for o in question.options or []],
                        "impact_level": question.impact_level,
                    }
                    for question in section.questions
                ),
            )
            for section in questionnaire.sections
        ),
    )
    if questionnaire.status == QuestionnaireStatus.PUBLISHED.value:
        questionnaire.status = QuestionnaireStatus.CLOSED.value
        questionnaire.closed_at = utcnow()
    db.session.flush()
    record("questionnaire.new_version", copy, actor=actor, previous=questionnaire.id)
    db.session.commit()
    return copy


# --- sections -----------------------------------------------------------------------------


def add_section(
    questionnaire: Questionnaire, title: str, description: str, *, actor: User
) -> Section:
    require_manage(actor, questionnaire)
    position = max((s.position for s in questionnaire.sections), default=-1) + 1
    section = Section(
        questionnaire_id=questionnaire.id, position=position, title=title, description=description
    )
    db.session.add(section)
    db.session.flush()
    record("questionnaire.section_add", questionnaire, actor=actor, section=section.id)
    db.session.commit()
    return section


def update_section(section: Section, title: str, description: str, *, actor: User) -> None:
    require_manage(actor, section.questionnaire)
    section.title, section.description = title, description
    record("questionnaire.section_update", section.questionnaire, actor=actor, section=section.id)
    db.session.commit()


def delete_section(section: Section, *, actor: User) -> None:
    questionnaire = section.questionnaire
    require_manage(actor, questionnaire)
    if section.questions:
        raise FeedbackError("Move or delete the questions in this section first")
    if len(questionnaire.sections) == 1:
        raise FeedbackError("A questionnaire needs at least one section")
    record("questionnaire.section_delete", questionnaire, actor=actor, section=section.id)
    db.session.delete(section)
    db.session.commit()


def move_section(section: Section, direction: int, *, actor: User) -> None:
    questionnaire = section.questionnaire
    require_manage(actor, questionnaire)
    sections = list(questionnaire.sections)
    _swap(sections, sections.index(section), direction)
    record("questionnaire.section_move", questionnaire, actor=actor, section=section.id)
    db.session.commit()


def _swap(items: list, index: int, direction: int) -> None:
    other = index + direction
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        item.position = position


# --- questions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionData:
    kind: str
    text: str
    section_id: int
    help_text: str = ""
    required: bool = False
    options: tuple[str, ...] = ()  # labels, in order (choice questions; 5 labels for ratings)
    impact_level: str | None = None


def _check_question(questionnaire: Questionnaire, data: QuestionData) -> QuestionKind:
    if data.kind not in {k.value for k in QuestionKind}:
        raise FeedbackError("Choose a type of question from the list")
    kind = QuestionKind(data.kind)
    if data.impact_level and data.impact_level not in {lv.value for lv in ImpactLevel}:
        raise FeedbackError("Choose an impact level from the list")
    if not any(s.id == data.section_id for s in questionnaire.sections):
        raise FeedbackError("Choose a section from the list")
    labels = [label for label in data.options if label]
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        if len(labels) < 2:
            raise FeedbackError("Enter at least 2 options, one on each line")
        if len(labels) > MAX_OPTIONS:
            raise FeedbackError(f"Enter {MAX_OPTIONS} options or fewer")
        if len({label.casefold() for label in labels}) != len(labels):
            raise FeedbackError("Each option must be different")
        if any(len(label) > 200 for label in labels):
            raise FeedbackError("Each option must be 200 characters or fewer")
    if kind == QuestionKind.RATING and labels and len(labels) != 5:
        raise FeedbackError("Enter 5 labels for the rating scale, from lowest to highest")
    return kind


def add_question(questionnaire: Questionnaire, data: QuestionData, *, actor: User) -> Question:
    require_manage(actor, questionnaire)
    kind = _check_question(questionnaire, data)
    position = max((q.position for q in questionnaire.questions), default=-1) + 1
    question = Question(
        questionnaire_id=questionnaire.id,
        section_id=data.section_id,
        position=position,
        kind=kind.value,
        text=data.text,
        help_text=data.help_text,
        required=data.required,
        options=options_for(kind, [label for label in data.options if label]),
        impact_level=data.impact_level or None,
    )
    db.session.add(question)
    db.session.flush()
    _renumber(questionnaire)
    record("questionnaire.question_add", questionnaire, actor=actor, question=question.id)
    db.session.commit()
    return question


def _merged_options(
    question: Question, kind: QuestionKind, labels: list[str], answered: dict[str, int]
) -> list[dict[str, str]]:
    """Keep the keys of options whose label is unchanged; refuse to drop answered ones."""
    if kind not in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return options_for(kind, labels)
    by_label = {o["label"].casefold(): o["key"] for o in question.options or []}
    used = {o["key"] for o in question.options or []}
    next_number = 1 + max(
        (int(k[1:]) for k in used if re.fullmatch(r"o\d+", k)), default=0
    )  # keys are never reused
    merged = []
    for label in labels:
        key = by_label.get(label.casefold())
        if key is None:
            key = f"o{next_number}"
            next_number += 1
        merged.append({"key": key, "label": label})
    kept = {o["key"] for o in merged}
    dropped = [question.option_label(k) for k in answered if k not in kept]
    if dropped:
        raise WouldOrphanAnswers(
            f"“{dropped[0]}” has been chosen in answers, so it cannot be removed or reworded. "
            "Make a new version to change it."
        )
    return merged


def update_question(question: Question, data: QuestionData, *, actor: User) -> None:
    questionnaire = question.questionnaire
    require_manage(actor, questionnaire)
    kind = _check_question(questionnaire, data)
    answered = answer_counts(questionnaire).get(question.id, 0)
    if answered and kind.value != question.kind:
        raise WouldOrphanAnswers(
            f"This question has {answered} answers, so its type cannot change. "
            "Make a new version to change it."
        )
    if answered and kind == QuestionKind.RATING and question.kind == kind.value:
        labels = [label for label in data.options if label] or DEFAULT_RATING_LABELS
        options = options_for(kind, labels)  # same keys 1..5: labels may be reworded
    else:
        options = _merged_options(
            question,
            kind,
            [label for label in data.options if label],
            option_answer_counts(question) if answered else {},
        )
    question.kind = kind.value
    question.text = data.text
    question.help_text = data.help_text
    question.required = data.required
    question.options = options
    question.impact_level = data.impact_level or None
    if question.section_id != data.section_id:
        question.section_id = data.section_id
        db.session.flush()
        db.session.expire(questionnaire, ["sections"])
        _renumber(questionnaire)
    record("questionnaire.question_update", questionnaire, actor=actor, question=question.id)
    db.session.commit()


def delete_question(question: Question, *, actor: User) -> None:
    questionnaire = question.questionnaire
    require_manage(actor, questionnaire)
    answered = answer_counts(questionnaire).get(question.id, 0)
    if answered:
        raise WouldOrphanAnswers(
            f"This question has {answered} answers, so it cannot be deleted. "
            "Make a new version without it instead."
        )
    record("questionnaire.question_delete", questionnaire, actor=actor, question=question.id)
    db.session.delete(question)
    db.session.flush()
    db.session.expire(questionnaire, ["questions", "sections"])
    _renumber(questionnaire)
    db.session.commit()


def move_question(question: Question, direction: int, *, actor: User) -> None:
    """Up or down within its section; at the edge it moves to the neighbouring section."""
    questionnaire = question.questionnaire
    require_manage(actor, questionnaire)
    section = question.section
    siblings = list(section.questions)
    index = siblings.index(question)
    if 0 <= index + direction < len(siblings):
        _swap(siblings, index, direction)
    else:
        sections = list(questionnaire.sections)
        target = sections.index(section) + direction
        if 0 <= target < len(sections):
            question.section_id = sections[target].id
            question.position = -1 if direction > 0 else 10**6
    db.session.flush()
    db.session.expire(questionnaire, ["questions", "sections"])
    for s in questionnaire.sections:
        db.session.expire(s, ["questions"])
    _renumber(questionnaire)
    record("questionnaire.question_move", questionnaire, actor=actor, question=question.id)
    db.session.commit()


def _renumber(questionnaire: Questionnaire) -> None:
    """Positions follow section order then position, so pages and results read in order."""
    position = 0
    for section in sorted(questionnaire.sections, key=lambda s: s.position):
        for question in sorted(section.questions, key=lambda q: (q.position, q.id)):
            question.position = position
            position += 1
    db.session.flush()


# --- distribution -------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return make_token(INVITE_PURPOSE, {"i": invitation.id})


def personal_link(invitation: Invitation) -> str:
    return external_url("feedback.answer_personal", token=invitation_token(invitation))


def open_link(questionnaire: Questionnaire) -> str:
    return external_url("feedback.answer_open", code=questionnaire.public_code)


def _insert_invitation(**values: object) -> int | None:
    """Insert unless this person is already invited; the id only when this call added it.

    ``ON CONFLICT DO NOTHING`` against the unique constraints is what makes the scheduled
    command and double-clicked buttons safe: a second writer adds nothing and sends nothing.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Invitation).values(**values).on_conflict_do_nothing().returning(Invitation.id)
    return db.session.execute(stmt).scalar_one_or_none()


def _invitation_email(
    invitation_id: int, questionnaire: Questionnaire, name: str, email: str, *, reminder: bool
) -> None:
    invitation = db.session.get_one(Invitation, invitation_id)
    service = current_app.config["SERVICE_NAME"]
    event = questionnaire.event
    greeting = f"Dear {name}," if name else "Hello,"
    if reminder:
        opening = f"A reminder: we would still like to hear from you about {questionnaire.title}."
    elif questionnaire.kind == QuestionnaireKind.SESSION_EVALUATION.value and event:
        opening = (
            f"Thank you for coming to {event.title} on {london_date(event.starts_at)}. "
            "Please tell us what you thought of it."
        )
    elif questionnaire.kind == QuestionnaireKind.FOLLOW_UP.value and event:
        opening = (
            f"A few weeks ago you came to {event.title}. We would like to know whether it has "
            "made a difference to your work since."
        )
    else:
        opening = f"We would like to hear your views: {questionnaire.title}."
    closing = (
        f"It is open until {london(questionnaire.closes_at)}. " if questionnaire.closes_at else ""
    )
    edit = (
        "You can come back to the same link to change your answers until it closes."
        if not questionnaire.anonymous
        else "Your answers are anonymous: they are not linked to you or this e-mail."
    )
    queue_email(
        email,
        ("Reminder: " if reminder else "") + questionnaire.title,
        f"{greeting}\n\n{opening}\n\nAnswer here (this link is personal to you):\n"
        f"{personal_link(invitation)}\n\n{closing}{edit}\n\n{service}\n",
        category="feedback_reminder" if reminder else "feedback_invite",
    )


_EMAIL_LINE = re.compile(
    r"^\s*(?:(?P<name>[^<>,;]+?)\s*[<,;]\s*)?(?P<email>[^<>\s,;]+@[^<>\s,;]+)\s*>?\s*$"
)
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class InviteReport:
    added: int
    already: int
    invalid: tuple[str, ...]


def parse_invitees(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Lines of ``email``, ``Name <email>`` or ``Name, email``: (valid pairs, bad lines)."""
    people: list[tuple[str, str]] = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _EMAIL_LINE.match(line)
        email = match.group("email").strip().lower() if match else ""
        if not match or not _EMAIL_SHAPE.match(email) or len(email) > 254:
            bad.append(f"line {number}")
            continue
        people.append(((match.group("name") or "").strip()[:120], email))
    return people, bad


def invite(questionnaire: Questionnaire, text: str, *, actor: User) -> InviteReport:
    """E-mail personal links to a list of people; those already invited are skipped."""
    require_manage(actor, questionnaire)
    people, bad = parse_invitees(text)
    if bad:
        raise FeedbackError(
            "Some lines are not an e-mail address (" + ", ".join(bad[:5]) + "). "
            "Write one person per line, as name@example.org or Name <name@example.org>."
        )
    if not people:
        raise FeedbackError("Enter at least one e-mail address")
    if len(people) > 2000:
        raise FeedbackError("Invite 2,000 people or fewer at a time")
    if not questionnaire.is_open():
        raise FeedbackError("Publish the questionnaire (and check its dates) before inviting")
    begin_write()
    questionnaire = db.session.get_one(Questionnaire, questionnaire.id)
    added = 0
    seen: set[str] = set()
    for name, email in people:
        if email in seen:
            continue
        seen.add(email)
        invitation_id = _insert_invitation(
            questionnaire_id=questionnaire.id,
            email=email,
            name=name,
            source=InvitationSource.LIST.value,
        )
        if invitation_id is not None:
            _invitation_email(invitation_id, questionnaire, name, email, reminder=False)
            added += 1
    record("questionnaire.invite", questionnaire, actor=actor, added=added)
    db.session.commit()
    return InviteReport(added=added, already=len(seen) - added, invalid=())


def chase_non_responders(questionnaire: Questionnaire, *, actor: User) -> int:
    """Remind everyone invited who has not answered; at most once a day each, so a double
    click or two colleagues pressing at once send one reminder."""
    require_manage(actor, questionnaire)
    if not questionnaire.is_open():
        raise FeedbackError("It is not open, so there is nothing to answer")
    now = utcnow()
    begin_write()
    rows = db.session.execute(
        update(Invitation)
        .where(
            Invitation.questionnaire_id == questionnaire.id,
            Invitation.responded_at.is_(None),
            Invitation.email.is_not(None),
            or_(
                Invitation.last_reminded_at.is_(None),
                Invitation.last_reminded_at < now - CHASE_INTERVAL,
            ),
        )
        .values(reminder_count=Invitation.reminder_count + 1, last_reminded_at=now)
        .returning(Invitation.id, Invitation.name, Invitation.email)
        .execution_options(synchronize_session=False)
    ).all()
    questionnaire = db.session.get_one(Questionnaire, questionnaire.id)
    for invitation_id, name, email in rows:
        _invitation_email(invitation_id, questionnaire, name, email, reminder=True)
    record("questionnaire.chase", questionnaire, actor=actor, reminded=len(rows))
    db.session.commit()
    return len(rows)


@dataclass(frozen=True)
class SendReport:
    questionnaires: int = 0
    invited: int = 0


def _attendees(event_id: int) -> Iterable[Registration]:
    return db.session.execute(
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.attended_at.is_not(None),
            ~Registration.email.endswith("@" + ERASED_DOMAIN),
        )
        .order_by(Registration.id)
    ).scalars()


def send_due_surveys(now: datetime | None = None) -> SendReport:
    """Invite the attendees of ended events: evaluations at once, follow-ups after N weeks.

    Safe to run from cron as often as you like, and twice at once: each invitation is
    inserted with ``ON CONFLICT DO NOTHING`` and the e-mail is queued only by the run whose
    insert took effect, in the same transaction.
    """
    now = now or utcnow()
    candidates = db.session.execute(
        select(Questionnaire.id, Questionnaire.kind, Questionnaire.follow_up_weeks, Event.ends_at)
        .join(Event, Event.id == Questionnaire.event_id)
        .where(
            Questionnaire.auto_send.is_(True),
            Questionnaire.status == QuestionnaireStatus.PUBLISHED.value,
            Questionnaire.kind.in_(
                [QuestionnaireKind.SESSION_EVALUATION.value, QuestionnaireKind.FOLLOW_UP.value]
            ),
            Event.status != EventStatus.CANCELLED.value,
            Event.ends_at <= now,
        )
        .order_by(Questionnaire.id)
    ).all()
    db.session.commit()
    report = SendReport()
    for questionnaire_id, kind, weeks, ends_at in candidates:
        due = ends_at + timedelta(weeks=weeks or 0) if kind == "follow_up" else ends_at
        if due > now:
            continue
        begin_write()
        questionnaire = db.session.get_one(Questionnaire, questionnaire_id)
        if not questionnaire.is_open(now):
            db.session.commit()
            continue
        added = 0
        for registration in _attendees(questionnaire.event_id):
            invitation_id = _insert_invitation(
                questionnaire_id=questionnaire.id,
                email=registration.email,
                name=registration.name,
                registration_id=registration.id,
                source=InvitationSource.ATTENDEES.value,
            )
            if invitation_id is not None:
                _invitation_email(
                    invitation_id,
                    questionnaire,
                    registration.name,
                    registration.email,
                    reminder=False,
                )
                added += 1
        if added:
            record(
                "questionnaire.sent_to_attendees",
                questionnaire,
                actor=None,
                actor_label="scheduled command",
                added=added,
            )
        db.session.commit()
        report = SendReport(report.questionnaires + (1 if added else 0), report.invited + added)
    return report


def invitations_query(questionnaire: Questionnaire, status: str | None = None) -> Select:
    stmt = (
        select(Invitation)
        .where(Invitation.questionnaire_id == questionnaire.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    if status == "responded":
        stmt = stmt.where(Invitation.responded_at.is_not(None))
    elif status == "waiting":
        stmt = stmt.where(Invitation.responded_at.is_(None))
    return stmt


def record_corpus_export(*, actor: User, filters: CorpusFilters) -> None:
    """Downloading the corpus is reading many people's words at once: it is audited."""
    record(
        "feedback.corpus_export",
        None,
        actor=actor,
        target_type="corpus",
        filters={k: list(v) if isinstance(v, tuple) else (str(v) if v else None)
                 for k, v in vars(filters).items()},
    )  # fmt: skip
    db.session.commit()
