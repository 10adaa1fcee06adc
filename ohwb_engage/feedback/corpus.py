"""The free-text corpus the theme engine analyses, with each answer's context.

``corpus(filters)`` is the one door for ``themes/services.py``: it returns plain frozen rows
(no ORM objects), selected in a single indexed query, so a run over tens of thousands of
answers costs one round trip. The text is what analysts may see: redacted where the
questionnaire asks for it. Anonymous answers carry no organisation or region (they never
stored one). Only submitted responses count; drafts in progress are not evidence yet.

Example::

    from ohwb_engage.feedback.services import CorpusFilters, corpus

    rows = corpus(CorpusFilters(questionnaire_ids=(3, 7), regions=("London",),
                                date_from=date(2025, 1, 1), sources=("online", "imported")))
    texts = [row.text for row in rows]          # to the engine
    ids = [row.answer_id for row in rows]       # to map themes back to answers
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from ohwb_engage.database import UTCDateTime
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import (
    TEXT_KIND_VALUES,
    Answer,
    Question,
    Questionnaire,
    Response,
    ResponseSource,
    ResponseStatus,
)
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.template_helpers import LONDON
from ohwb_engage.workshops.models import Event


@dataclass(frozen=True)
class CorpusFilters:
    """Empty tuples mean "any". Dates are days in the UK (Europe/London), both inclusive."""

    questionnaire_ids: tuple[int, ...] = ()
    question_ids: tuple[int, ...] = ()
    event_ids: tuple[int, ...] = ()
    stakeholder_group_ids: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()  # "online", "imported"; empty: both
    kinds: tuple[str, ...] = ()  # questionnaire kinds, e.g. ("kloe",)


@dataclass(frozen=True)
class CorpusItem:
    answer_id: int
    response_id: int
    text: str
    question_id: int
    question: str
    questionnaire_id: int
    questionnaire: str
    questionnaire_kind: str
    event_id: int | None
    event: str | None
    stakeholder_group_id: int | None
    stakeholder_group: str | None
    organisation: str
    region: str
    answered_at: datetime
    source: str
    anonymous: bool


def london_day_start(day: date) -> datetime:
    """The UTC instant a UK calendar day begins (midnight in London, BST or GMT)."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def corpus_query(filters: CorpusFilters) -> Select:
    """The SELECT behind :func:`corpus`, for paging or counting (``select(func.count())``)."""
    columns = select(
        Answer.id.label("answer_id"),
        Answer.response_id,
        Answer.text,
        Question.id.label("question_id"),
        Question.text.label("question"),
        Questionnaire.id.label("questionnaire_id"),
        Questionnaire.title.label("questionnaire"),
        Questionnaire.kind.label("questionnaire_kind"),
        Response.event_id,
        Event.title.label("event"),
        Response.stakeholder_group_id,
        StakeholderGroup.name.label("stakeholder_group"),
        Response.organisation,
        Response.region,
        Response.answered_at,
        Response.source,
        Response.anonymous,
    )
    stmt = (
        _text_answers(columns, Response.questionnaire_id)
        .outerjoin(Event, Event.id == Response.event_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Response.stakeholder_group_id)
        .where(*response_conditions(filters))
        .order_by(Response.answered_at, Answer.id)
    )
    if filters.questionnaire_ids:
        stmt = stmt.where(Response.questionnaire_id.in_(filters.questionnaire_ids))
    if filters.question_ids:
        stmt = stmt.where(Answer.question_id.in_(filters.question_ids))
    if filters.kinds:
        stmt = stmt.where(Questionnaire.kind.in_(filters.kinds))
    return stmt


def _text_answers(stmt: Select, questionnaire_key: Any) -> Select:
    """Submitted, non-empty answers to free-text questions, joined to their context."""
    return (
        stmt.select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Questionnaire, Questionnaire.id == questionnaire_key)
        .where(
            Response.status == ResponseStatus.SUBMITTED.value,
            Question.kind.in_(TEXT_KIND_VALUES),
            Answer.text.is_not(None),
            Answer.text != "",
        )
    )


def response_conditions(filters: CorpusFilters) -> list[ColumnElement[bool]]:
    """The filters that apply to whole responses: event, group, region, dates, source."""
    conditions: list[ColumnElement[bool]] = []
    if filters.event_ids:
        conditions.append(Response.event_id.in_(filters.event_ids))
    if filters.stakeholder_group_ids:
        conditions.append(Response.stakeholder_group_id.in_(filters.stakeholder_group_ids))
    if filters.regions:
        conditions.append(Response.region.in_(filters.regions))
    if filters.date_from:
        conditions.append(Response.answered_at >= london_day_start(filters.date_from))
    if filters.date_to:
        next_day = filters.date_to + timedelta(days=1)
        conditions.append(Response.answered_at < london_day_start(next_day))
    if filters.sources:
        conditions.append(Response.source.in_(filters.sources))
    return conditions


def corpus(filters: CorpusFilters | None = None) -> list[CorpusItem]:
    """Every submitted free-text answer matching ``filters``, oldest first, with context."""
    rows = db.session.execute(corpus_query(filters or CorpusFilters())).mappings()
    return [CorpusItem(**row) for row in rows]


def count_rows(stmt: Select) -> int:
    """How many rows a SELECT returns, counted by the database."""
    return db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()


def corpus_count(filters: CorpusFilters) -> int:
    return count_rows(corpus_query(filters))


@dataclass(frozen=True)
class CorpusSource:
    """One question's free-text answers available for analysis."""

    questionnaire_id: int
    questionnaire: str
    questionnaire_kind: str
    version: int
    question_id: int
    question: str
    online: int
    imported: int
    first: datetime | None
    last: datetime | None

    @property
    def total(self) -> int:
        return self.online + self.imported


def corpus_overview() -> list[CorpusSource]:
    """What the programme has to analyse: per free-text question, answers online and imported."""
    imported = Response.source == ResponseSource.IMPORTED.value
    stmt = select(
        Questionnaire.id,
        Questionnaire.title,
        Questionnaire.kind,
        Questionnaire.version,
        Question.id,
        Question.text,
        func.sum(case((imported, 0), else_=1)),
        func.sum(case((imported, 1), else_=0)),
        func.min(Response.answered_at, type_=UTCDateTime()),
        func.max(Response.answered_at, type_=UTCDateTime()),
    )
    rows = db.session.execute(
        _text_answers(stmt, Question.questionnaire_id)
        .group_by(
            Questionnaire.id,
            Questionnaire.title,
            Questionnaire.kind,
            Questionnaire.version,
            Question.id,
            Question.text,
            Question.position,
        )
        .order_by(Questionnaire.id, Question.position)
    ).all()
    return [
        CorpusSource(q_id, title, kind, version, question_id, text, int(on or 0), int(im or 0),
                     first, last)
        for q_id, title, kind, version, question_id, text, on, im, first, last in rows
    ]  # fmt: skip
