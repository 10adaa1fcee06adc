"""The review workspace: reading a framework's themes and changing them, one use case each.

Reading never loads a theme's members: sizes and sentiment come from the counters the
services keep on ``Theme``; breakdowns are one ``GROUP BY`` each; responses are paginated.
Every change is one transaction that records a ``FrameworkChange`` (the new version, who,
when and a snapshot of the theme list) and an audit entry, then commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, delete, false, func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, is_sqlite
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Question, Questionnaire, Response
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.roadmap.services import relink_items
from ohwb_engage.themes.evidence import members_with_relevance
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    MemberSource,
    Theme,
    ThemeMember,
    ThemeRun,
)
from ohwb_engage.workshops.models import Event

RESPONSES_PER_PAGE = 25
DIMENSIONS = {
    "group": "Stakeholder group",
    "event": "Event",
    "region": "Region",
    "month": "Month",
}


class ReviewError(Exception):
    """A change the rules refuse; ``str()`` is the message for the page."""


class ConflictError(ReviewError):
    """Someone else changed the theme since the analyst opened it."""


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRow:
    id: int
    name: str
    description: str
    priority: bool
    size: int
    share: float  # of the framework's relevant answers, 0..1
    mean_sentiment: float
    terms: tuple[str, ...]
    quotes: tuple[str, ...]
    lock_version: int


def frameworks() -> list[tuple[Framework, int]]:
    """Every framework, newest first, with its number of themes (one grouped query)."""
    counts = (
        select(Theme.framework_id, func.count(Theme.id).label("n"))
        .group_by(Theme.framework_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Framework, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.framework_id == Framework.id)
        .order_by(Framework.created_at.desc(), Framework.id.desc())
    ).all()
    return [(framework, n) for framework, n in rows]


def relevant_answers(framework_id: int) -> int:
    """Answers in the framework's corpus not marked as not relevant (an index count)."""
    return db.session.execute(
        select(func.count())
        .select_from(FrameworkAnswer)
        .where(
            FrameworkAnswer.framework_id == framework_id,
            FrameworkAnswer.not_relevant == false(),
        )
    ).scalar_one()


def theme_rows(framework_id: int, quotes: int = 2) -> list[ThemeRow]:
    """The theme list: kept counters, terms and the first quotes still in each theme."""
    themes = list(
        db.session.execute(
            select(Theme).where(Theme.framework_id == framework_id).order_by(Theme.position)
        ).scalars()
    )
    total = relevant_answers(framework_id)
    wanted = {t.id: list(t.quote_answer_ids or [])[: quotes * 2] for t in themes}
    texts = _member_texts(wanted)
    rows = []
    for theme in themes:
        said = [texts[(theme.id, a)] for a in wanted[theme.id] if (theme.id, a) in texts]
        rows.append(
            ThemeRow(
                id=theme.id,
                name=theme.name,
                description=theme.description or "",
                priority=theme.priority,
                size=theme.member_count,
                share=theme.member_count / total if total else 0.0,
                mean_sentiment=theme.mean_sentiment,
                terms=tuple(str(term[0]) for term in (theme.terms or [])[:6]),
                quotes=tuple(said[:quotes]),
                lock_version=theme.lock_version,
            )
        )
    return rows


def _member_texts(wanted: dict[int, list[int]]) -> dict[tuple[int, int], str]:
    """Texts of the wanted quotes that are still members of their theme (one query)."""
    pairs = [(theme_id, a) for theme_id, ids in wanted.items() for a in ids]
    if not pairs:
        return {}
    rows = db.session.execute(
        select(ThemeMember.theme_id, Answer.id, Answer.text)
        .join(Answer, Answer.id == ThemeMember.answer_id)
        .where(
            ThemeMember.theme_id.in_(list(wanted)),
            ThemeMember.answer_id.in_([a for _, a in pairs]),
        )
    ).all()
    return {(t, a): text for t, a, text in rows if (text or "").strip()}


def theme_in(framework_id: int, theme_id: int) -> Theme | None:
    theme = db.session.get(Theme, theme_id)
    return theme if theme is not None and theme.framework_id == framework_id else None


# Members of a theme joined to their answer's corpus row, so not-relevant ones can be left out.
RELEVANT = FrameworkAnswer.not_relevant.is_not(True)


def _with_context(stmt: Select[Any]) -> Select[Any]:
    """Join each member's answer, response, event and stakeholder group."""
    return (
        stmt.join(Answer, Answer.id == ThemeMember.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(Event, Event.id == Response.event_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Response.stakeholder_group_id)
    )


def responses_query(theme_id: int) -> Select[Any]:
    """A theme's answers with their context, in a stable order for paging."""
    stmt = members_with_relevance(
        Answer.id.label("answer_id"),
        Answer.text,
        Question.text.label("question"),
        Questionnaire.title.label("questionnaire"),
        Event.title.label("event"),
        StakeholderGroup.name.label("group"),
        Response.answered_at,
        Response.anonymous,
        Response.region,
        Response.organisation,
        ThemeMember.source,
        ThemeMember.confidence,
        FrameworkAnswer.not_relevant,
        FrameworkAnswer.sentiment,
    )
    return (
        _with_context(stmt)
        .join(Question, Question.id == Answer.question_id)
        .join(Questionnaire, Questionnaire.id == Question.questionnaire_id)
        .where(ThemeMember.theme_id == theme_id)
        .order_by(ThemeMember.answer_id)
    )


def responses_page(theme: Theme, page: int, per_page: int = RESPONSES_PER_PAGE) -> Pagination:
    """One page of a theme's answers: the page of ids by the primary key, then their context."""
    ids = db.paginate(
        select(ThemeMember.answer_id)
        .where(ThemeMember.theme_id == theme.id)
        .order_by(ThemeMember.answer_id),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    ids.items = (
        db.session.execute(
            responses_query(theme.id).where(ThemeMember.answer_id.in_(list(ids.items)))
        ).all()
        if ids.items
        else []
    )
    return ids


def _month() -> Any:
    if is_sqlite():
        return func.strftime("%Y-%m", Response.answered_at)
    return func.to_char(Response.answered_at, "YYYY-MM")


def breakdown(theme_id: int, dimension: str) -> list[tuple[str, int]]:
    """How many of a theme's relevant answers came from each group / event / region / month."""
    column = {
        "group": StakeholderGroup.name,
        "event": Event.title,
        "region": Response.region,
        "month": _month(),
    }[dimension]
    label = column.label("label")
    rows = db.session.execute(
        _with_context(members_with_relevance(label, func.count()))
        .where(ThemeMember.theme_id == theme_id, RELEVANT)
        .group_by(label)
    ).all()
    none = {"event": "No event", "month": "No date"}.get(dimension, "Not given")
    counted = [(str(name) if name else none, n) for name, n in rows]
    if dimension == "month":  # in time order, named as people say them
        return [(_month_name(key), n) for key, n in sorted(counted)]
    return sorted(counted, key=lambda item: (-item[1], item[0]))


def _month_name(key: str) -> str:
    try:
        return datetime.strptime(key, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return key


def changes(framework_id: int) -> list[FrameworkChange]:
    return list(
        db.session.execute(
            select(FrameworkChange)
            .where(FrameworkChange.framework_id == framework_id)
            .order_by(FrameworkChange.version.desc())
        ).scalars()
    )


def runs_of(framework_id: int) -> list[ThemeRun]:
    """The engine runs behind a framework (the one it came from, splits, maps), newest first."""
    sources = select(Theme.source_run_id).where(
        Theme.framework_id == framework_id, Theme.source_run_id.is_not(None)
    )
    return list(
        db.session.execute(
            select(ThemeRun)
            .where(or_(ThemeRun.framework_id == framework_id, ThemeRun.id.in_(sources)))
            .order_by(ThemeRun.created_at.desc(), ThemeRun.id.desc())
        ).scalars()
    )


# --- the bookkeeping every change shares ---------------------------------------------------


def lock_framework(framework_id: int) -> Framework:
    """Start a writing transaction and hold the framework row (its version is bumped)."""
    begin_write()
    framework = db.session.execute(
        select(Framework).where(Framework.id == framework_id).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if framework is None:
        raise ReviewError("That framework no longer exists.")
    return framework


def recount(theme_ids: Iterable[int]) -> None:
    """Refresh the kept size and sentiment sum of ``theme_ids`` from their members.

    A Core UPDATE, so the themes' ``lock_version`` is untouched: moving answers in and out
    must not make an analyst's open rename form conflict.
    """
    ids = list(set(theme_ids))
    if not ids:
        return
    themes = Theme.__table__
    relevant = (
        select(func.count(ThemeMember.answer_id), func.sum(FrameworkAnswer.sentiment))
        .select_from(ThemeMember)
        .outerjoin(
            FrameworkAnswer,
            and_(
                FrameworkAnswer.framework_id == themes.c.framework_id,
                FrameworkAnswer.answer_id == ThemeMember.answer_id,
            ),
        )
        .where(ThemeMember.theme_id == themes.c.id, RELEVANT)
    )
    count = relevant.with_only_columns(func.count(ThemeMember.answer_id)).scalar_subquery()
    total = relevant.with_only_columns(
        func.coalesce(func.sum(FrameworkAnswer.sentiment), 0.0)
    ).scalar_subquery()
    db.session.flush()
    db.session.execute(
        update(themes).where(themes.c.id.in_(ids)).values(member_count=count, sentiment_sum=total)
    )
    for theme in db.session.identity_map.values():
        if isinstance(theme, Theme) and theme.id in ids:
            db.session.expire(theme, ["member_count", "sentiment_sum"])


def snapshot(framework_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Theme.id, Theme.name, Theme.description, Theme.member_count, Theme.priority)
        .where(Theme.framework_id == framework_id)
        .order_by(Theme.position, Theme.id)
    ).all()
    return [
        {"id": i, "name": n, "description": d or "", "size": s, "priority": bool(p)}
        for i, n, d, s, p in rows
    ]


def record_change(
    framework: Framework,
    action: str,
    summary: str,
    actor: User | None,
    **details: Any,
) -> FrameworkChange:
    """Bump the framework's version and keep who, when and the theme list after the change."""
    db.session.flush()
    framework.version += 1
    change = FrameworkChange(
        framework_id=framework.id,
        version=framework.version,
        action=action,
        summary=summary[:500],
        details=details,
        snapshot=snapshot(framework.id),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.name if actor is not None else "system",
    )
    db.session.add(change)
    record(f"themes.{action}", framework, actor=actor, version=framework.version, **details)
    db.session.flush()
    return change


def existing_theme(framework: Framework, theme_id: int) -> Theme:
    theme = theme_in(framework.id, theme_id)
    if theme is None:
        raise ReviewError("That theme is no longer in this framework: it may have been merged.")
    return theme


@contextmanager
def _conflicts_as(theme_name: str) -> Iterator[None]:
    """Turn SQLAlchemy's optimistic-lock failure (another writer got in first) into a message."""
    try:
        yield
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(_conflict_message(theme_name)) from exc


def _conflict_message(name: str) -> str:
    return (
        f"Someone else changed the theme \u201c{name}\u201d while you were editing it. "
        "Nothing you typed was saved: check the theme as it is now and make your change again."
    )


# --- the analysts' changes ----------------------------------------------------------------


def update_theme(
    framework_id: int,
    theme_id: int,
    *,
    name: str,
    description: str,
    lock_version: int,
    actor: User,
) -> Theme:
    """Rename and describe a theme, unless someone changed it since ``lock_version``."""
    framework = lock_framework(framework_id)
    theme = existing_theme(framework, theme_id)
    if theme.lock_version != lock_version:
        current = theme.name
        db.session.rollback()
        raise ConflictError(_conflict_message(current))
    if theme.name == name and (theme.description or "") == description:
        db.session.rollback()
        return theme
    old = theme.name
    theme.name = name
    theme.description = description
    summary = f"Renamed \u201c{old}\u201d to \u201c{name}\u201d" if old != name else ""
    with _conflicts_as(old):
        record_change(
            framework,
            "rename",
            summary or f"Described \u201c{name}\u201d",
            actor,
            theme_id=theme.id,
            old_name=old,
            name=name,
        )
        db.session.commit()
    return theme


def set_priority(framework_id: int, theme_id: int, priority: bool, *, actor: User) -> Theme:
    """Mark a theme as a priority (its own section in the draft strategy) or not."""
    framework = lock_framework(framework_id)
    theme = existing_theme(framework, theme_id)
    if theme.priority == priority:
        db.session.rollback()
        return theme
    theme.priority = priority
    verb = "Marked" if priority else "Unmarked"
    with _conflicts_as(theme.name):
        record_change(
            framework,
            "priority",
            f"{verb} \u201c{theme.name}\u201d as a priority",
            actor,
            theme_id=theme.id,
            priority=priority,
        )
        db.session.commit()
    return theme


def merge_themes(
    framework_id: int, target_id: int, other_ids: Sequence[int], *, actor: User
) -> Theme:
    """Fold ``other_ids`` into ``target_id``: their answers join it, the others are deleted."""
    others = [i for i in dict.fromkeys(other_ids)]
    if not others:
        raise ReviewError("Choose at least one theme to merge into this one.")
    if target_id in others:
        raise ReviewError("A theme cannot be merged with itself: choose a different theme.")
    framework = lock_framework(framework_id)
    target = existing_theme(framework, target_id)
    sources = [existing_theme(framework, i) for i in others]
    already = select(ThemeMember.answer_id).where(ThemeMember.theme_id == target.id)
    incoming = db.session.execute(
        select(
            ThemeMember.answer_id, func.min(ThemeMember.source), func.max(ThemeMember.confidence)
        )
        .where(ThemeMember.theme_id.in_(others), ThemeMember.answer_id.not_in(already))
        .group_by(ThemeMember.answer_id)
    ).all()
    db.session.add_all(
        ThemeMember(
            theme_id=target.id,
            answer_id=answer_id,
            source=source,
            confidence=confidence,
            created_by_id=actor.id,
        )
        for answer_id, source, confidence in incoming
    )
    weights: dict[str, float] = {}
    for theme in [target, *sources]:
        for term, weight in theme.terms or []:
            weights[term] = max(weights.get(term, 0.0), float(weight))
    target.terms = [[t, w] for t, w in sorted(weights.items(), key=lambda x: -x[1])[:10]]
    quotes = list(target.quote_answer_ids or [])
    for theme in sources:
        quotes += [a for a in theme.quote_answer_ids or [] if a not in quotes]
    target.quote_answer_ids = quotes[:10]
    names = [t.name for t in sources]
    relink_items(others, target.id, actor=actor)  # roadmap items follow into the merge
    for theme in sources:
        db.session.delete(theme)
    db.session.flush()
    recount([target.id])
    with _conflicts_as(target.name):
        record_change(
            framework,
            "merge",
            f"Merged {', '.join(f'“{n}”' for n in names)} into \u201c{target.name}\u201d",
            actor,
            theme_id=target.id,
            merged=names,
        )
        db.session.commit()
    return target


def move_answers(
    framework_id: int,
    answer_ids: Sequence[int],
    *,
    from_theme_id: int,
    to_theme_id: int | None,
    actor: User,
) -> int:
    """Move answers from one theme to another (or only out of it when ``to_theme_id`` is None)."""
    if not answer_ids:
        raise ReviewError("Select at least one response.")
    if to_theme_id == from_theme_id:
        raise ReviewError("Choose a different theme to move the responses to.")
    framework = lock_framework(framework_id)
    source = existing_theme(framework, from_theme_id)
    target = existing_theme(framework, to_theme_id) if to_theme_id is not None else None
    present = list(
        db.session.execute(
            select(ThemeMember.answer_id).where(
                ThemeMember.theme_id == source.id, ThemeMember.answer_id.in_(list(answer_ids))
            )
        ).scalars()
    )
    if not present:
        raise ReviewError("Those responses are no longer in this theme.")
    db.session.execute(
        delete(ThemeMember).where(
            ThemeMember.theme_id == source.id, ThemeMember.answer_id.in_(present)
        )
    )
    if target is not None:
        _put(target.id, present, MemberSource.MOVED, actor, keep=())
    recount([source.id] + ([target.id] if target else []))
    where = f"to \u201c{target.name}\u201d" if target else "out of the theme"
    record_change(
        framework,
        "move" if target else "remove",
        f"Moved {len(present)} response(s) from \u201c{source.name}\u201d {where}",
        actor,
        from_theme_id=source.id,
        to_theme_id=target.id if target else None,
        answers=len(present),
    )
    db.session.commit()
    return len(present)


def code_answers(
    framework_id: int, answer_ids: Sequence[int], theme_id: int, *, actor: User
) -> int:
    """Code answers as examples of a theme (what "Map all" learns from)."""
    if not answer_ids:
        raise ReviewError("Select at least one response.")
    framework = lock_framework(framework_id)
    theme = existing_theme(framework, theme_id)
    in_corpus = list(
        db.session.execute(
            select(FrameworkAnswer.answer_id).where(
                FrameworkAnswer.framework_id == framework.id,
                FrameworkAnswer.answer_id.in_(list(answer_ids)),
            )
        ).scalars()
    )
    if not in_corpus:
        raise ReviewError("Those responses are not in this framework's corpus.")
    _put(theme.id, in_corpus, MemberSource.CODED, actor, keep=())
    recount([theme.id])
    record_change(
        framework,
        "code",
        f"Coded {len(in_corpus)} response(s) as \u201c{theme.name}\u201d",
        actor,
        theme_id=theme.id,
        answers=len(in_corpus),
    )
    db.session.commit()
    return len(in_corpus)


def mark_not_relevant(
    framework_id: int, answer_ids: Sequence[int], not_relevant: bool, *, actor: User
) -> int:
    """Leave answers out of every count, quote and mapping (or bring them back)."""
    if not answer_ids:
        raise ReviewError("Select at least one response.")
    framework = lock_framework(framework_id)
    result = db.session.execute(
        update(FrameworkAnswer)
        .where(
            FrameworkAnswer.framework_id == framework.id,
            FrameworkAnswer.answer_id.in_(list(answer_ids)),
        )
        .values(not_relevant=not_relevant)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount or 0
    if not changed:
        raise ReviewError("Those responses are not in this framework's corpus.")
    touched = db.session.execute(
        select(ThemeMember.theme_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.framework_id == framework.id, ThemeMember.answer_id.in_(list(answer_ids)))
        .distinct()
    ).scalars()
    recount(touched)
    verb = "Marked" if not_relevant else "Restored"
    record_change(
        framework,
        "not_relevant" if not_relevant else "relevant",
        f"{verb} {changed} response(s) as {'not ' if not_relevant else ''}relevant",
        actor,
        answers=changed,
    )
    db.session.commit()
    return changed


def _put(
    theme_id: int,
    answer_ids: Sequence[int],
    source: MemberSource,
    actor: User | None,
    keep: Sequence[MemberSource],
    confidence: dict[int, float] | None = None,
) -> None:
    """Add answers to a theme, or re-mark them with ``source`` unless theirs is in ``keep``."""
    existing = dict(
        db.session.execute(
            select(ThemeMember.answer_id, ThemeMember.source).where(
                ThemeMember.theme_id == theme_id, ThemeMember.answer_id.in_(list(answer_ids))
            )
        ).all()
    )
    relabel = [a for a, s in existing.items() if s not in {k.value for k in keep}]
    if relabel:
        db.session.execute(
            update(ThemeMember)
            .where(ThemeMember.theme_id == theme_id, ThemeMember.answer_id.in_(relabel))
            .values(source=source.value)
            .execution_options(synchronize_session=False)
        )
    db.session.add_all(
        ThemeMember(
            theme_id=theme_id,
            answer_id=a,
            source=source.value,
            confidence=(confidence or {}).get(a),
            created_by_id=actor.id if actor else None,
        )
        for a in answer_ids
        if a not in existing
    )
    db.session.flush()


# --- facilitators: their own events' results, aggregated ------------------------------------


@dataclass(frozen=True)
class EventThemeCount:
    framework: str
    theme: str
    answers: int


def event_theme_counts(event_id: int) -> list[EventThemeCount]:
    """How many of one event's answers sit in each theme: counts only, never any text."""
    rows = db.session.execute(
        members_with_relevance(Framework.name, Theme.name, func.count(ThemeMember.answer_id))
        .join(Framework, Framework.id == Theme.framework_id)
        .join(Answer, Answer.id == ThemeMember.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.event_id == event_id, RELEVANT)
        .group_by(Framework.id, Framework.name, Theme.id, Theme.name, Theme.position)
        .order_by(Framework.id, Theme.position)
    ).all()
    return [EventThemeCount(f, t, n) for f, t, n in rows]


# --- comparing versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    theme_id: int
    old_name: str | None  # None: added in the newer version
    new_name: str | None  # None: removed (merged away) by the newer version
    old_size: int
    new_size: int

    @property
    def status(self) -> str:
        if self.old_name is None:
            return "added"
        if self.new_name is None:
            return "removed"
        if self.old_name != self.new_name:
            return "renamed"
        return "changed size" if self.old_size != self.new_size else "unchanged"

    @property
    def change(self) -> int:
        return self.new_size - self.old_size


def compare_snapshots(
    old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]
) -> list[SnapshotRow]:
    """Themes of two versions side by side, matched by theme id (names may change)."""
    before = {t["id"]: t for t in old}
    after = {t["id"]: t for t in new}
    order = [t["id"] for t in new] + [i for i in before if i not in after]
    return [
        SnapshotRow(
            theme_id=i,
            old_name=before[i]["name"] if i in before else None,
            new_name=after[i]["name"] if i in after else None,
            old_size=int(before.get(i, {}).get("size", 0)),
            new_size=int(after.get(i, {}).get("size", 0)),
        )
        for i in order
    ]
