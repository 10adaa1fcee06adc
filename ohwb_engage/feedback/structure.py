"""A questionnaire's pages and answer-form classes, cached per process for answering.

Why: every public submission used to load the sections and questions (two queries and
their ORM objects) and build a WTForms class for the page, about a third of the request's
CPU, although the structure changes only when a facilitator edits it. Each questionnaire row
carries a ``structure_key`` that a flush listener (``feedback.models``) renews whenever one
of its sections or questions is added, changed or deleted, so a process sees an edit on its
next request: the key comes with the questionnaire row that the request loads anyway.

The cached shapes are frozen plain objects, never ORM rows: they are shared between the
threads of a worker and outlive the session that read them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Question, QuestionBehaviour, Questionnaire, Section

MAX_CACHED = 256  # questionnaires per process; the least recently answered go first


@dataclass(frozen=True)
class SectionShape:
    id: int
    title: str
    description: str


@dataclass(frozen=True)
class QuestionShape(QuestionBehaviour):
    id: int
    section_id: int
    kind: str
    text: str
    help_text: str
    required: bool
    options: tuple[Mapping[str, str], ...]
    impact_level: str | None


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    section: Section | SectionShape
    questions: Sequence[Question | QuestionShape]


@dataclass
class _Entry:
    key: str
    pages: tuple[Page, ...]
    forms: dict[Hashable, type] = field(default_factory=dict)


_cache: OrderedDict[int, _Entry] = OrderedDict()
_lock = threading.Lock()

_SECTIONS = (
    select(Section.id, Section.title, Section.description)
    .where(Section.questionnaire_id == bindparam("q"))
    .order_by(Section.position, Section.id)
)
_QUESTIONS = (
    select(
        Question.id, Question.section_id, Question.kind, Question.text, Question.help_text,
        Question.required, Question.options, Question.impact_level,
    )
    .where(Question.questionnaire_id == bindparam("q"))
    .order_by(Question.position, Question.id)
)  # fmt: skip
_KEY = select(Questionnaire.structure_key).where(Questionnaire.id == bindparam("q"))


def build_pages(
    sections: Sequence[Section | SectionShape], questions: Sequence[Question | QuestionShape]
) -> tuple[Page, ...]:
    """One page per section that has questions, in order; empty sections are skipped."""
    by_section: dict[int, list[Question | QuestionShape]] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(question)
    result: list[Page] = []
    for section in sections:
        members = by_section.get(section.id)
        if members:
            result.append(Page(len(result) + 1, section, tuple(members)))
    return tuple(result)


def _load(questionnaire_id: int) -> tuple[Page, ...]:
    params = {"q": questionnaire_id}
    sections = [SectionShape(*row) for row in db.session.execute(_SECTIONS, params)]
    questions = [
        QuestionShape(
            row.id, row.section_id, row.kind, row.text, row.help_text or "", bool(row.required),
            tuple(dict(o) for o in row.options or ()), row.impact_level,
        )
        for row in db.session.execute(_QUESTIONS, params)
    ]  # fmt: skip
    return build_pages(sections, questions)


def _entry(questionnaire: Questionnaire) -> _Entry:
    key = questionnaire.structure_key
    with _lock:
        entry = _cache.get(questionnaire.id)
        if entry is not None and entry.key == key:
            _cache.move_to_end(questionnaire.id)
            return entry
    entry = _Entry(key, _load(questionnaire.id))
    # On PostgreSQL each statement sees the latest commit: an edit committed between the
    # questionnaire row and the structure would pair an old key with new pages. Cache only
    # what is known to belong to the key.
    if db.session.execute(_KEY, {"q": questionnaire.id}).scalar_one_or_none() == key:
        with _lock:
            _cache[questionnaire.id] = entry
            _cache.move_to_end(questionnaire.id)
            while len(_cache) > MAX_CACHED:
                _cache.popitem(last=False)
    return entry


def answer_pages(questionnaire: Questionnaire) -> list[Page]:
    """The pages as participants answer them, from this process's cache when it is current."""
    return list(_entry(questionnaire).pages)


def form_class(questionnaire: Questionnaire, variant: Hashable, build: Callable[[], type]) -> type:
    """The page's WTForms class for ``variant`` (page, last page or not, the choices...),
    built once per structure key: form classes, like any declared form, serve every request.
    """
    entry = _entry(questionnaire)
    with _lock:
        cls = entry.forms.get(variant)
    if cls is None:
        cls = build()
        with _lock:
            entry.forms.setdefault(variant, cls)
    return cls


def cached_keys() -> dict[int, str]:
    with _lock:
        return {questionnaire_id: entry.key for questionnaire_id, entry in _cache.items()}
