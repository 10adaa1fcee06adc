"""Results of one questionnaire: response rate, closed-question counts, free text, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.extensions import db
from ohwb_engage.feedback.answering import pages
from ohwb_engage.feedback.corpus import (
    CorpusFilters,
    corpus_query,
    count_rows,
    response_conditions,
)
from ohwb_engage.feedback.models import (
    Answer,
    Invitation,
    Question,
    Questionnaire,
    Response,
    ResponseSource,
    ResponseStatus,
)
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.template_helpers import london
from ohwb_engage.workshops.models import Event

# A spreadsheet treats a cell starting with these as a formula: "=HYPERLINK(...)" in an
# answer must reach the analyst as text, never run.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV safe to open in Excel: every cell that could be read as a formula is escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


@dataclass(frozen=True)
class ResponseRate:
    invited: int
    invited_responded: int
    submitted: int  # all submitted responses, open link and personal links
    imported: int
    in_progress: int

    @property
    def percent(self) -> int | None:
        if not self.invited:
            return None
        return round(100 * self.invited_responded / self.invited)

    @property
    def summary(self) -> str:
        if self.invited:
            return f"{self.invited_responded} of {self.invited} invited, {self.percent}%"
        imported = f" and {self.imported} imported" if self.imported else ""
        return f"{self.submitted} responses{imported} (no invitation list, so no response rate)"


def response_rate(questionnaire: Questionnaire) -> ResponseRate:
    invited, responded = db.session.execute(
        select(func.count(Invitation.id), func.count(Invitation.responded_at)).where(
            Invitation.questionnaire_id == questionnaire.id
        )
    ).one()
    counts = {
        (source, status): n
        for source, status, n in db.session.execute(
            select(Response.source, Response.status, func.count(Response.id))
            .where(Response.questionnaire_id == questionnaire.id)
            .group_by(Response.source, Response.status)
        )
    }
    online, imported = ResponseSource.ONLINE.value, ResponseSource.IMPORTED.value
    submitted, in_progress = ResponseStatus.SUBMITTED.value, ResponseStatus.IN_PROGRESS.value
    return ResponseRate(
        invited=invited,
        invited_responded=responded,
        submitted=counts.get((online, submitted), 0),
        imported=counts.get((imported, submitted), 0),
        in_progress=counts.get((online, in_progress), 0),
    )


@dataclass(frozen=True)
class ResultFilters:
    question_id: int | None = None
    event_id: int | None = None
    stakeholder_group_id: int | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None

    def corpus(self, questionnaire: Questionnaire) -> CorpusFilters:
        def one(value: object) -> tuple:
            return (value,) if value else ()

        return CorpusFilters(
            questionnaire_ids=(questionnaire.id,),
            question_ids=one(self.question_id),
            event_ids=one(self.event_id),
            stakeholder_group_ids=one(self.stakeholder_group_id),
            regions=one(self.region),
            date_from=self.date_from,
            date_to=self.date_to,
            sources=one(self.source),
        )

    @property
    def active(self) -> bool:
        return any(vars(self).values())


def text_answers_query(questionnaire: Questionnaire, filters: ResultFilters) -> Select:
    """Free-text answers (as analysts see them) with their context, newest first."""
    return (
        corpus_query(filters.corpus(questionnaire))
        .order_by(None)
        .order_by(Response.answered_at.desc(), Answer.id.desc())
    )


@dataclass(frozen=True)
class OptionCount:
    key: str
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class ClosedSummary:
    question: Question
    answered: int
    options: list[OptionCount]
    mean: float | None


def _filtered_responses(questionnaire: Questionnaire, filters: ResultFilters) -> Select:
    """Submitted responses matching the filters that apply to whole responses."""
    return select(Response.id).where(
        Response.questionnaire_id == questionnaire.id,
        Response.status == ResponseStatus.SUBMITTED.value,
        *response_conditions(filters.corpus(questionnaire)),
    )


def closed_summaries(
    questionnaire: Questionnaire, filters: ResultFilters | None = None
) -> list[ClosedSummary]:
    """Counts per option for every closed question, in questionnaire order (one query)."""
    filters = filters or ResultFilters()
    questions = [q for q in questionnaire.questions if not q.is_text]
    if not questions:
        return []
    rows = db.session.execute(
        select(Answer.question_id, Answer.choices).where(
            Answer.question_id.in_([q.id for q in questions]),
            Answer.response_id.in_(_filtered_responses(questionnaire, filters)),
        )
    ).all()
    per_question: dict[int, list[list[str]]] = {}
    for question_id, choices in rows:
        per_question.setdefault(question_id, []).append(choices or [])
    summaries = []
    for question in questions:
        answers = per_question.get(question.id, [])
        counts: dict[str, int] = {}
        for choices in answers:
            for key in choices:
                counts[key] = counts.get(key, 0) + 1
        answered = len(answers)
        options = [
            OptionCount(
                o["key"],
                o["label"],
                counts.get(o["key"], 0),
                round(100 * counts.get(o["key"], 0) / answered) if answered else 0,
            )
            for o in question.options or []
        ]
        mean = None
        if question.kind_enum.is_scale and answered:
            mean = sum(int(k) * n for k, n in counts.items()) / sum(counts.values())
        summaries.append(ClosedSummary(question, answered, options, mean))
    return summaries


def filter_choices(questionnaire: Questionnaire) -> dict[str, list[tuple[str, str]]]:
    """Only values that occur in this questionnaire's responses: no empty filter results."""
    base = select(Response).where(
        Response.questionnaire_id == questionnaire.id,
        Response.status == ResponseStatus.SUBMITTED.value,
    )
    sub = base.subquery()
    events = db.session.execute(
        select(Event.id, Event.title)
        .where(Event.id.in_(select(sub.c.event_id)))
        .order_by(Event.starts_at)
    ).all()
    groups = db.session.execute(
        select(StakeholderGroup.id, StakeholderGroup.name)
        .where(StakeholderGroup.id.in_(select(sub.c.stakeholder_group_id)))
        .order_by(StakeholderGroup.position)
    ).all()
    regions = db.session.execute(
        select(sub.c.region).where(sub.c.region != "").distinct().order_by(sub.c.region)
    ).scalars()
    return {
        "questions": [(str(q.id), q.text) for q in questionnaire.questions if q.is_text],
        "events": [(str(i), t) for i, t in events],
        "groups": [(str(i), n) for i, n in groups],
        "regions": [(r, r) for r in regions],
    }


def export_csv(questionnaire: Questionnaire, *, actor: User) -> str:
    """Every submitted response, one row each, answers as analysts see them."""
    questions = [q for page in pages(questionnaire) for q in page.questions]
    responses = db.session.execute(
        select(Response, Event.title, StakeholderGroup.name)
        .outerjoin(Event, Event.id == Response.event_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Response.stakeholder_group_id)
        .where(
            Response.questionnaire_id == questionnaire.id,
            Response.status == ResponseStatus.SUBMITTED.value,
        )
        .order_by(Response.answered_at, Response.id)
    ).all()
    answers: dict[tuple[int, int], Answer] = {}
    for answer in db.session.execute(
        select(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.questionnaire_id == questionnaire.id,
            Response.status == ResponseStatus.SUBMITTED.value,
        )
    ).scalars():
        answers[(answer.response_id, answer.question_id)] = answer

    def cell(question: Question, answer: Answer | None) -> str:
        if answer is None:
            return ""
        if question.is_text:
            return answer.text or ""
        return "; ".join(question.option_label(k) for k in answer.choices or [])

    header = [
        "response",
        "source",
        "answered",
        "event",
        "stakeholder group",
        "organisation",
        "region",
        *[f"Q{i + 1}. {q.text}" for i, q in enumerate(questions)],
    ]
    rows = [
        [
            response.id,
            response.source,
            london(response.answered_at, "%Y-%m-%d %H:%M") if response.answered_at else "",
            event_title or "",
            group or "",
            response.organisation,
            response.region,
            *[cell(q, answers.get((response.id, q.id))) for q in questions],
        ]
        for response, event_title, group in responses
    ]
    record("questionnaire.export", questionnaire, actor=actor, rows=len(rows))
    db.session.commit()
    return csv_text(header, rows)


@dataclass(frozen=True)
class RowsPage:
    """A page of plain rows with the attributes ``macros/pagination.html`` reads.

    ``db.paginate`` yields only the first column of a multi-column SELECT (it calls
    ``.scalars()``); the free-text lists select answers with their context, so they page here.
    """

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def paginate_rows(stmt: Select, page: int, per_page: int = 25) -> RowsPage:
    page = max(1, page)
    total = count_rows(stmt)
    items = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).mappings())
    return RowsPage(items, page, per_page, total)
