"""Evidence for one or more themes, computed from the live framework in the database.

Roadmap items, strategy sections and the workspace all show the same evidence: how many
answers, from which stakeholder groups, events and regions, how people felt, and what they
said. It is never typed by hand: every figure is a query over the current members, so it
follows every merge, split, move or mapping at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Response
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.themes.models import FrameworkAnswer, Theme, ThemeMember
from ohwb_engage.workshops.models import Event


@dataclass(frozen=True)
class Quote:
    answer_id: int
    text: str
    stakeholder_group: str | None
    anonymous: bool


@dataclass(frozen=True)
class Evidence:
    answers: int  # distinct answers in any of the themes (not-relevant ones excluded)
    responses: int  # distinct people's responses they came from
    by_stakeholder_group: tuple[tuple[str, int], ...]  # most first; "Not given" for none
    by_event: tuple[tuple[str, int], ...]  # "No event" for open links and imports
    by_region: tuple[tuple[str, int], ...]  # "Not given" for anonymous or blank
    mean_sentiment: float  # VADER compound, -1..1
    quotes: tuple[Quote, ...]

    @property
    def empty(self) -> bool:
        return self.answers == 0


def members_with_relevance(*columns: Any) -> Select[Any]:
    """``columns`` over theme members, each joined to its theme and its corpus row.

    The one join that knows whether a member is marked not relevant: evidence and the
    review workspace both start from it.
    """
    return (
        select(*columns)
        .select_from(ThemeMember)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .outerjoin(
            FrameworkAnswer,
            and_(
                FrameworkAnswer.framework_id == Theme.framework_id,
                FrameworkAnswer.answer_id == ThemeMember.answer_id,
            ),
        )
    )


def _members(theme_ids: Sequence[int]) -> Select[tuple[int]]:
    """Distinct answer ids in these themes, minus answers marked not relevant."""
    return (
        members_with_relevance(ThemeMember.answer_id)
        .where(
            ThemeMember.theme_id.in_(list(theme_ids)),
            FrameworkAnswer.not_relevant.is_not(True),
        )
        .distinct()
    )


def _counts(column, label_none: str, members) -> tuple[tuple[str, int], ...]:
    rows = db.session.execute(
        select(column, func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Response.stakeholder_group_id)
        .outerjoin(Event, Event.id == Response.event_id)
        .where(Answer.id.in_(members))
        .group_by(column)
    ).all()
    counted = [((name or label_none), n) for name, n in rows]
    return tuple(sorted(counted, key=lambda item: (-item[1], item[0])))


def evidence_for(theme_ids: Sequence[int], quotes: int = 5) -> Evidence:
    """Evidence for the union of ``theme_ids`` (several themes support one roadmap item)."""
    if not theme_ids:
        return Evidence(0, 0, (), (), (), 0.0, ())
    members = _members(theme_ids).scalar_subquery()
    answers, responses, sentiment = db.session.execute(
        select(
            func.count(Answer.id),
            func.count(func.distinct(Answer.response_id)),
            func.coalesce(func.avg(FrameworkAnswer.sentiment), 0.0),
        )
        .select_from(Answer)
        .outerjoin(
            FrameworkAnswer,
            and_(
                FrameworkAnswer.answer_id == Answer.id,
                FrameworkAnswer.framework_id.in_(
                    select(Theme.framework_id).where(Theme.id.in_(list(theme_ids)))
                ),
            ),
        )
        .where(Answer.id.in_(members))
    ).one()
    return Evidence(
        answers=answers,
        responses=responses,
        by_stakeholder_group=_counts(StakeholderGroup.name, "Not given", members),
        by_event=_counts(Event.title, "No event", members),
        by_region=_counts(Response.region, "Not given", members),
        mean_sentiment=float(sentiment or 0.0),
        quotes=representative_quotes(theme_ids, quotes),
    )


def representative_quotes(theme_ids: Sequence[int], limit: int) -> tuple[Quote, ...]:
    """The engine's most representative answers of each theme, in turn, still in the theme."""
    themes = db.session.execute(
        select(Theme).where(Theme.id.in_(list(theme_ids))).order_by(Theme.position)
    ).scalars()
    wanted: list[int] = []
    queues = [list(theme.quote_answer_ids or []) for theme in themes]
    while queues and len(wanted) < limit * 3:
        for queue in queues:
            if queue:
                wanted.append(queue.pop(0))
        queues = [q for q in queues if q]
    if not wanted:
        return ()
    members = set(
        db.session.execute(_members(theme_ids).where(ThemeMember.answer_id.in_(wanted))).scalars()
    )
    rows = db.session.execute(
        select(Answer.id, Answer.text, StakeholderGroup.name, Response.anonymous)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Response.stakeholder_group_id)
        .where(Answer.id.in_([a for a in wanted if a in members]))
    ).all()
    by_id = {row[0]: row for row in rows}
    quotes = [
        Quote(
            answer_id=a,
            text=by_id[a][1] or "",
            stakeholder_group=by_id[a][2],
            anonymous=bool(by_id[a][3]),
        )
        for a in wanted
        if a in by_id and (by_id[a][1] or "").strip()
    ]
    return tuple(quotes[:limit])
