"""The draft strategy: assembly from the live framework and roadmap, versions, reviewers.

Assembly reads, never writes: one section per priority theme with its evidence
(``themes.evidence.evidence_for``) and the roadmap items linked to it, the roadmap as a
timeline by horizon, and a methods appendix. Publishing freezes that document into a
``StrategyVersion``; reviewers read only the latest published version, through a signed
link that staff can revoke, and comment on its sections.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import (
    Answer,
    Question,
    Questionnaire,
    QuestionnaireKind,
    Response,
)
from ohwb_engage.feedback.results import response_rate
from ohwb_engage.mail.services import queue_email
from ohwb_engage.roadmap import documents as docs
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap.models import (
    Horizon,
    ItemStatus,
    Programme,
    Reference,
    ReferenceKind,
    RoadmapItem,
    RoadmapItemTheme,
)
from ohwb_engage.roadmap.services import RoadmapError, lock_programme
from ohwb_engage.roadmap.strategy_models import (
    ReviewComment,
    Reviewer,
    ReviewerRole,
    StrategyVersion,
    VersionStatus,
)
from ohwb_engage.template_helpers import london, london_date
from ohwb_engage.themes.engine.redact import redact
from ohwb_engage.themes.evidence import evidence_for
from ohwb_engage.themes.models import Framework, FrameworkAnswer, Theme, ThemeMember, ThemeRun
from ohwb_engage.tokens import TokenError, TokenExpired, make_token, read_token
from ohwb_engage.urls import external_url
from ohwb_engage.workshops.models import Event, Registration

REVIEW_PURPOSE = "strategy-review"
QUOTES_PER_SECTION = 5
# Sections a reviewer may comment on besides the themes' own.
FIXED_SECTIONS = (
    ("introduction", "Introduction"),
    ("timeline", "Roadmap timeline"),
    ("methods", "Appendix: methods"),
)


class StrategyError(Exception):
    """A rule of the strategy was broken; ``str()`` is the message for the page."""


class StrategyConflict(StrategyError):
    """Someone else changed or published the draft since this page was opened."""


class ReviewLinkError(StrategyError):
    """A reviewer link that cannot be used: ``code`` is the HTTP status to answer with."""

    def __init__(self, message: str, code: int = 403) -> None:
        super().__init__(message)
        self.code = code


# --- assembly ---------------------------------------------------------------------------------


def citation(reference: Reference) -> str:
    """A reference on one line: authors (year). Title. Kind. Address."""
    who = f"{reference.authors} ({reference.year})" if reference.year else reference.authors
    parts = [who.strip(), reference.title, ReferenceKind(reference.kind).label]
    text = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."
    return f"{text} {reference.url}" if reference.url else text


def _entry(
    item: RoadmapItem, progress: int, theme_names: dict[int, list[str]], depth: int = 0
) -> docs.RoadmapEntry:
    return docs.RoadmapEntry(
        title=item.title,
        horizon=Horizon(item.horizon).label,
        status=ItemStatus(item.status).label,
        progress=progress,
        owner=item.owner or "",
        description=item.description or "",
        themes=tuple(theme_names.get(item.id, ())),
        depth=depth,
        references=tuple(citation(r) for r in item.references),
    )


def _all_items(programme: Programme) -> list[RoadmapItem]:
    """Every item, dropped ones too: the roll-up needs them to leave them out correctly."""
    return list(
        db.session.execute(
            select(RoadmapItem)
            .where(RoadmapItem.programme_id == programme.id)
            .order_by(RoadmapItem.position, RoadmapItem.id)
            .options(selectinload(RoadmapItem.references))
        ).scalars()
    )


def _live(item: RoadmapItem) -> bool:
    return item.status != ItemStatus.DROPPED.value


def _item_themes(item_ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
    """{item id: theme names} and {theme id: item ids} for the links between them."""
    names: dict[int, list[str]] = defaultdict(list)
    items_of: dict[int, list[int]] = defaultdict(list)
    if not item_ids:
        return names, items_of
    rows = db.session.execute(
        select(RoadmapItemTheme.item_id, Theme.id, Theme.name)
        .join(Theme, Theme.id == RoadmapItemTheme.theme_id)
        .where(RoadmapItemTheme.item_id.in_(list(item_ids)))
        .order_by(Theme.position, Theme.id)
    ).all()
    for item_id, theme_id, name in rows:
        names[item_id].append(name)
        items_of[theme_id].append(item_id)
    return names, items_of


def _timeline(
    items: Sequence[RoadmapItem], progress: dict[int, int], names: dict[int, list[str]]
) -> tuple[docs.Horizon, ...]:
    """Per horizon, its items depth first; depth counts only ancestors in the same horizon,
    so a 1-3 year action under a 0-12 month item starts its own line."""
    horizon_of = {item.id: item.horizon for item in items}
    parents = {item.id: item.parent_id for item in items}
    rows = [row for row in tree.flatten(items) if _live(row.item)]
    return tuple(
        docs.Horizon(
            horizon.label,
            tuple(
                _entry(
                    row.item,
                    progress[row.item.id],
                    names,
                    sum(
                        1
                        for a in tree.ancestors(row.item.id, parents)
                        if horizon_of.get(a) == horizon.value
                    ),
                )
                for row in rows
                if row.item.horizon == horizon.value
            ),
        )
        for horizon in Horizon
    )


def _config_rows(config: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    rows = []
    for key in sorted(config):
        value = config[key]
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append((str(key), text if len(text) <= 120 else text[:117] + "..."))
    return tuple(rows)


def _source_run(framework: Framework) -> ThemeRun | None:
    """The run most of the framework's themes came from, else its latest successful run."""
    source = db.session.execute(
        select(Theme.source_run_id)
        .where(Theme.framework_id == framework.id, Theme.source_run_id.is_not(None))
        .group_by(Theme.source_run_id)
        .order_by(func.count().desc(), Theme.source_run_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if source is not None:
        return db.session.get(ThemeRun, source)
    return db.session.execute(
        select(ThemeRun)
        .where(ThemeRun.framework_id == framework.id, ThemeRun.status == "succeeded")
        .order_by(ThemeRun.created_at.desc(), ThemeRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _corpus_answer_ids(framework_id: int):
    return select(FrameworkAnswer.answer_id).where(FrameworkAnswer.framework_id == framework_id)


def _attended(event_id: int) -> int:
    return db.session.execute(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id, Registration.attended_at.is_not(None)
        )
    ).scalar_one()


def _questionnaire_figures(framework_id: int) -> tuple[docs.QuestionnaireFigures, ...]:
    questionnaires = db.session.execute(
        select(Questionnaire)
        .where(
            Questionnaire.id.in_(
                select(Question.questionnaire_id)
                .join(Answer, Answer.question_id == Question.id)
                .where(Answer.id.in_(_corpus_answer_ids(framework_id)))
            )
        )
        .order_by(Questionnaire.title, Questionnaire.id)
    ).scalars()
    figures = []
    for questionnaire in questionnaires:
        rate = response_rate(questionnaire)
        attended = None
        if not rate.invited and questionnaire.event_id is not None:
            attended = _attended(questionnaire.event_id)
        try:
            kind = QuestionnaireKind(questionnaire.kind).label
        except ValueError:
            kind = questionnaire.kind
        figures.append(
            docs.QuestionnaireFigures(
                title=questionnaire.title,
                kind=kind,
                submitted=rate.submitted + rate.imported,
                invited=rate.invited or None,
                invited_responded=rate.invited_responded if rate.invited else None,
                attended=attended or None,
            )
        )
    return tuple(figures)


def _event_figures(framework_id: int) -> tuple[docs.EventFigures, ...]:
    events = db.session.execute(
        select(Event)
        .where(
            Event.id.in_(
                select(Response.event_id)
                .join(Answer, Answer.response_id == Response.id)
                .where(Answer.id.in_(_corpus_answer_ids(framework_id)))
            )
        )
        .order_by(Event.starts_at, Event.id)
    ).scalars()
    result = [
        docs.EventFigures(event.title, london_date(event.starts_at), _attended(event.id))
        for event in events
    ]
    return tuple(result)


def _methods(framework: Framework | None) -> docs.Methods:
    if framework is None:
        return docs.Methods("No framework chosen", 0, 0, 0, 0)
    answers, not_relevant = db.session.execute(
        select(
            func.count(FrameworkAnswer.answer_id),
            func.count(FrameworkAnswer.answer_id).filter(FrameworkAnswer.not_relevant.is_(True)),
        ).where(FrameworkAnswer.framework_id == framework.id)
    ).one()
    in_themes = db.session.execute(
        select(func.count(func.distinct(ThemeMember.answer_id)))
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .outerjoin(
            FrameworkAnswer,
            (FrameworkAnswer.framework_id == Theme.framework_id)
            & (FrameworkAnswer.answer_id == ThemeMember.answer_id),
        )
        .where(Theme.framework_id == framework.id, FrameworkAnswer.not_relevant.is_not(True))
    ).scalar_one()
    run = _source_run(framework)
    stability = None
    if run is not None and isinstance((run.summary or {}).get("stability"), int | float):
        stability = float(run.summary["stability"])
    return docs.Methods(
        framework=framework.name,
        framework_version=framework.version,
        answers=answers,
        answers_in_themes=in_themes,
        not_relevant=not_relevant,
        questionnaires=_questionnaire_figures(framework.id),
        events=_event_figures(framework.id),
        run=(
            f"Run {run.id} ({run.kind}), {london_date(run.created_at)}, {run.corpus_size} answers"
            if run
            else None
        ),
        stability=stability,
        run_config=_config_rows(run.config or {}) if run else (),
    )


def assemble(
    programme: Programme,
    *,
    title: str,
    introduction: str = "",
    number: int = 0,
    status: str = VersionStatus.DRAFT.value,
) -> docs.StrategyDocument:
    """The document as the live framework and roadmap stand now (reads only)."""
    framework = (
        db.session.get(Framework, programme.framework_id) if programme.framework_id else None
    )
    items = _all_items(programme)
    progress = tree.rolled_up(items)
    names, items_of = _item_themes([item.id for item in items if _live(item)])
    by_id = {item.id: item for item in items}
    reading_order = {row.item.id: n for n, row in enumerate(tree.flatten(items))}
    sections = []
    if framework is not None:
        themes = db.session.execute(
            select(Theme)
            .where(Theme.framework_id == framework.id, Theme.priority.is_(True))
            .order_by(Theme.position, Theme.id)
        ).scalars()
        for theme in themes:
            evidence = evidence_for([theme.id], quotes=QUOTES_PER_SECTION)
            sections.append(
                docs.Section(
                    key=f"theme-{theme.id}",
                    title=theme.name,
                    description=theme.description or "",
                    evidence=docs.Evidence(
                        answers=evidence.answers,
                        responses=evidence.responses,
                        mean_sentiment=round(evidence.mean_sentiment, 4),
                        by_stakeholder_group=evidence.by_stakeholder_group,
                        by_event=evidence.by_event,
                        by_region=evidence.by_region,
                    ),
                    # Reviewers are outside the team: redact again whatever the policy was.
                    quotes=tuple(
                        docs.Quote(redact(q.text), q.stakeholder_group) for q in evidence.quotes
                    ),
                    recommendations=tuple(
                        _entry(by_id[i], progress[i], names)
                        for i in sorted(
                            items_of.get(theme.id, ()), key=lambda i: reading_order.get(i, 0)
                        )
                    ),
                )
            )
    return docs.StrategyDocument(
        title=title,
        version=number,
        sections=tuple(sections),
        timeline=_timeline(items, progress, names),
        methods=_methods(framework),
        introduction=introduction,
        assembled_at=london(utcnow()),
        status=status,
    )


# --- versions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftText:
    """What the draft is called and says, and the lock to send back with an edit (0: none)."""

    title: str
    introduction: str
    lock_version: int
    number: int  # the number the draft will get when published


def versions(programme: Programme) -> list[StrategyVersion]:
    return list(
        db.session.execute(
            select(StrategyVersion)
            .where(StrategyVersion.programme_id == programme.id)
            .order_by(StrategyVersion.number.desc())
        ).scalars()
    )


def _draft_row(programme_id: int) -> StrategyVersion | None:
    return db.session.execute(
        select(StrategyVersion).where(
            StrategyVersion.programme_id == programme_id,
            StrategyVersion.status == VersionStatus.DRAFT.value,
        )
    ).scalar_one_or_none()


def latest_published(programme_id: int) -> StrategyVersion | None:
    return db.session.execute(
        select(StrategyVersion)
        .where(
            StrategyVersion.programme_id == programme_id,
            StrategyVersion.status == VersionStatus.PUBLISHED.value,
        )
        .order_by(StrategyVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def version_for_comment(programme_id: int, shown: str | None) -> StrategyVersion | None:
    """The published version a reviewer's page showed (by number), else the latest one."""
    if shown and shown.isdigit():
        version = db.session.execute(
            select(StrategyVersion).where(
                StrategyVersion.programme_id == programme_id,
                StrategyVersion.number == int(shown),
                StrategyVersion.status == VersionStatus.PUBLISHED.value,
            )
        ).scalar_one_or_none()
        if version is not None:
            return version
    return latest_published(programme_id)


def _next_number(programme_id: int) -> int:
    highest = db.session.execute(
        select(func.max(StrategyVersion.number)).where(StrategyVersion.programme_id == programme_id)
    ).scalar_one()
    return (highest or 0) + 1


def draft_text(programme: Programme) -> DraftText:
    draft = _draft_row(programme.id)
    if draft is not None:
        return DraftText(draft.title, draft.introduction, draft.lock_version, draft.number)
    last = latest_published(programme.id)
    number = _next_number(programme.id)
    if last is not None:
        return DraftText(last.title, last.introduction, 0, number)
    return DraftText(f"{programme.title}: draft strategy", "", 0, number)


def draft_document(programme: Programme) -> docs.StrategyDocument:
    """The working draft, assembled live (version 0: not yet a version)."""
    text = draft_text(programme)
    return assemble(programme, title=text.title, introduction=text.introduction)


def version_document(version: StrategyVersion) -> docs.StrategyDocument:
    if not version.published or not version.content:
        raise StrategyError("This version has not been published yet.")
    return docs.from_json(version.content)


def _lock_programme(programme_id: int) -> Programme:
    """Hold the programme until the commit, so two publishes cannot both take number N."""
    try:
        return lock_programme(programme_id)
    except RoadmapError as exc:
        raise StrategyError(str(exc)) from exc


def _check_draft(
    programme_id: int, lock_version: int, number: int | None
) -> StrategyVersion | None:
    """The draft row, if the page's view of it (lock and number) is still true.

    ``number`` tells "no draft yet, next is version 2" from "no draft yet, next is 3": without
    it, a publish button pressed twice would publish two versions.
    """
    draft = _draft_row(programme_id)
    current = draft.lock_version if draft is not None else 0
    stale = current != lock_version
    if number is not None and not stale:
        stale = number != (draft.number if draft is not None else _next_number(programme_id))
    if stale:
        db.session.rollback()
        raise StrategyConflict(
            "Someone else changed or published the draft while you were editing it. "
            "Nothing was saved: the page now shows the latest draft; make your change again."
        )
    return draft


def save_draft_text(
    programme_id: int,
    title: str,
    introduction: str,
    lock_version: int,
    *,
    actor: User,
    number: int | None = None,
) -> StrategyVersion:
    """Save the draft's title and introduction; ``lock_version`` is the one the form showed."""
    programme = _lock_programme(programme_id)
    draft = _check_draft(programme.id, lock_version, number)
    if draft is None:
        draft = StrategyVersion(
            programme_id=programme.id,
            number=_next_number(programme.id),
            status=VersionStatus.DRAFT.value,
            created_by_id=actor.id,
        )
        db.session.add(draft)
    draft.title = title.strip()
    draft.introduction = introduction.strip()
    db.session.flush()
    record("strategy.draft_edited", draft, actor=actor, programme_id=programme.id)
    db.session.commit()
    return draft


def publish(
    programme_id: int, lock_version: int, *, actor: User, number: int | None = None
) -> StrategyVersion:
    """Freeze the live draft into version ``number``; reviewers see it at once."""
    programme = _lock_programme(programme_id)
    if programme.framework_id is None:
        db.session.rollback()
        raise StrategyError("Choose the programme's theme framework before publishing.")
    draft = _check_draft(programme.id, lock_version, number)
    if draft is None:
        text = draft_text(programme)
        draft = StrategyVersion(
            programme_id=programme.id,
            number=text.number,
            title=text.title,
            introduction=text.introduction,
            created_by_id=actor.id,
        )
        db.session.add(draft)
    document = assemble(
        programme,
        title=draft.title,
        introduction=draft.introduction,
        number=draft.number,
        status=VersionStatus.PUBLISHED.value,
    )
    if not document.sections:  # a strategy with no sections is not worth a reviewer's time
        db.session.rollback()
        raise StrategyError(
            "Mark at least one theme of the framework as a priority before publishing: "
            "the strategy has one section per priority theme."
        )
    draft.content = docs.to_json(document)
    draft.status = VersionStatus.PUBLISHED.value
    draft.published_at = utcnow()
    draft.published_by_id = actor.id
    db.session.flush()
    record(
        "strategy.published",
        draft,
        actor=actor,
        programme_id=programme.id,
        number=draft.number,
        sections=len(document.sections),
    )
    db.session.commit()
    return draft


def record_export(programme_id: int, number: int, fmt: str, *, actor: User) -> None:
    """An export carries many people's words out of the service: it is audited."""
    record(
        "strategy.exported",
        None,
        actor=actor,
        target_type="programmes",
        target_id=programme_id,
        version=number,
        format=fmt,
    )
    db.session.commit()


def section_choices(document: docs.StrategyDocument) -> list[tuple[str, str]]:
    """Every part of the document a comment can be about, in reading order."""
    intro = [FIXED_SECTIONS[0]] if document.introduction else []
    themes = [(s.key, s.title) for s in document.sections]
    return intro + themes + list(FIXED_SECTIONS[1:])


def section_title(document: docs.StrategyDocument, key: str) -> str | None:
    return dict(section_choices(document)).get(key)


# --- reviewers --------------------------------------------------------------------------------


def reviewers(programme: Programme) -> list[Reviewer]:
    return list(
        db.session.execute(
            select(Reviewer)
            .where(Reviewer.programme_id == programme.id)
            .order_by(Reviewer.revoked_at.is_not(None), Reviewer.name, Reviewer.id)
        ).scalars()
    )


def review_link(reviewer: Reviewer) -> str:
    token = make_token(REVIEW_PURPOSE, {"r": reviewer.id, "g": reviewer.link_generation})
    return external_url("roadmap.review_strategy", token=token)


def max_age_seconds() -> int:
    return int(current_app.config["STRATEGY_REVIEW_MAX_AGE_DAYS"]) * 24 * 3600


def _invitation_email(reviewer: Reviewer, programme: Programme) -> None:
    service = current_app.config["SERVICE_NAME"]
    days = current_app.config["STRATEGY_REVIEW_MAX_AGE_DAYS"]
    queue_email(
        reviewer.email,
        f"Please review the draft strategy: {programme.title}",
        f"Dear {reviewer.name},\n\n"
        f"The team behind {programme.title} would value your review of their draft strategy, "
        f"as a {ReviewerRole(reviewer.role).label.lower()}.\n\n"
        f"Read the draft and comment on any section here (this link is personal to you and "
        f"works for {days} days):\n{review_link(reviewer)}\n\n"
        "You will always see the latest published version.\n\n"
        f"{service}\n",
        category="strategy_review",
    )


def invite_reviewer(
    programme_id: int, name: str, email: str, role: str, *, actor: User
) -> Reviewer:
    """Invite (or invite again) a reviewer: a new link that replaces any earlier one."""
    if role not in {r.value for r in ReviewerRole}:
        raise StrategyError("Choose whether the reviewer is an expert or on the steering group.")
    programme = _lock_programme(programme_id)
    if latest_published(programme.id) is None:
        raise StrategyError("Publish a version of the draft first: reviewers read versions.")
    email = email.strip().lower()
    reviewer = db.session.execute(
        select(Reviewer).where(Reviewer.programme_id == programme.id, Reviewer.email == email)
    ).scalar_one_or_none()
    if reviewer is None:
        reviewer = Reviewer(programme_id=programme.id, email=email, link_generation=1)
        db.session.add(reviewer)
    else:
        reviewer.link_generation += 1
    reviewer.name = name.strip()
    reviewer.role = role
    reviewer.invited_at = utcnow()
    reviewer.invited_by_id = actor.id
    reviewer.revoked_at = None
    db.session.flush()
    _invitation_email(reviewer, programme)
    # No address in the audit log: the reviewer's id is enough to find it.
    record("strategy.reviewer_invited", reviewer, actor=actor, programme_id=programme.id)
    db.session.commit()
    return reviewer


def revoke_reviewer(reviewer_id: int, *, actor: User) -> Reviewer:
    begin_write()
    reviewer = db.session.get(Reviewer, reviewer_id)
    if reviewer is None:
        raise StrategyError("This reviewer no longer exists.")
    if reviewer.revoked_at is None:
        reviewer.revoked_at = utcnow()
        reviewer.link_generation += 1
        record(
            "strategy.reviewer_revoked", reviewer, actor=actor, programme_id=reviewer.programme_id
        )
    db.session.commit()
    return reviewer


def reviewer_from_token(token: str) -> Reviewer:
    """The reviewer a link belongs to, or ``ReviewLinkError`` with words for the page."""
    try:
        payload = read_token(REVIEW_PURPOSE, token, max_age_seconds())
    except TokenError as exc:
        expired = isinstance(exc, TokenExpired)
        message = (
            f"{exc} Ask the programme team to send you a new one."
            if expired
            else f"{exc} If it still does not work, ask the programme team for a new one."
        )
        raise ReviewLinkError(message, 403 if expired else 400) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise ReviewLinkError("This link is not valid.", 400)
    reviewer = db.session.get(Reviewer, payload["r"])
    if reviewer is None or reviewer.revoked_at is not None:
        raise ReviewLinkError(
            "This review link has been withdrawn by the programme team. "
            "Contact them if you think this is a mistake."
        )
    if payload.get("g") != reviewer.link_generation:
        raise ReviewLinkError(
            "A newer review link has been sent to you since this one. Use the latest e-mail."
        )
    return reviewer


def _reviewers_by_email(email: str) -> list[Reviewer]:
    return list(
        db.session.execute(
            select(Reviewer).where(Reviewer.email == email.strip().lower()).order_by(Reviewer.id)
        ).scalars()
    )


def count_reviewer_records(email: str) -> int:
    """For data subject requests: how many programmes invited this address to review."""
    return len(_reviewers_by_email(email))


def reviewer_records(email: str) -> list[dict[str, Any]]:
    """For data subject requests: each invitation to review, with the comments made."""
    records = []
    for reviewer in _reviewers_by_email(email):
        comments = db.session.execute(
            select(ReviewComment, StrategyVersion.number)
            .join(StrategyVersion, StrategyVersion.id == ReviewComment.version_id)
            .where(ReviewComment.reviewer_id == reviewer.id)
            .order_by(ReviewComment.id)
        ).all()
        records.append(
            {
                "id": reviewer.id,
                "programme": db.session.get_one(Programme, reviewer.programme_id).title,
                "name": reviewer.name,
                "email": reviewer.email,
                "role": reviewer.role_label,
                "invited_at": reviewer.invited_at.isoformat(),
                "revoked_at": reviewer.revoked_at.isoformat() if reviewer.revoked_at else None,
                "comments": [
                    {"version": number, "section": c.section_key, "comment": c.body}
                    for c, number in comments
                ],
            }
        )
    return records


def erase_reviewer_records(email: str, *, erased_domain: str, mark: str) -> int:
    """Anonymise reviewers with this address: their links stop, their words are blanked,
    the team's resolution notes stay. Only flushes: the privacy service commits."""
    reviewers = _reviewers_by_email(email)
    for reviewer in reviewers:
        reviewer.name = "Erased"
        reviewer.email = f"erased-{reviewer.id}@{erased_domain}"
        reviewer.revoked_at = reviewer.revoked_at or utcnow()
        reviewer.link_generation += 1
        db.session.execute(
            update(ReviewComment)
            .where(ReviewComment.reviewer_id == reviewer.id)
            .values(author_label="A reviewer (erased)", body=mark)
        )
    db.session.flush()
    return len(reviewers)


# --- comments ---------------------------------------------------------------------------------


def add_comment(
    version_id: int,
    section_key: str,
    body: str,
    *,
    reviewer_id: int | None = None,
    actor: User | None = None,
) -> ReviewComment:
    """A comment by a reviewer (through their link) or a member of staff."""
    begin_write()
    version = db.session.get(StrategyVersion, version_id)
    if version is None or not version.published:
        raise StrategyError("This version cannot take comments.")
    document = version_document(version)
    if section_title(document, section_key) is None:
        raise StrategyError("Choose the section your comment is about.")
    body = body.strip()
    if not body:
        raise StrategyError("Enter your comment.")
    if reviewer_id is not None:
        reviewer = db.session.get(Reviewer, reviewer_id)
        if reviewer is None or reviewer.revoked_at is not None:
            raise ReviewLinkError("This review link has been withdrawn by the programme team.")
        if reviewer.programme_id != version.programme_id:
            raise ReviewLinkError("This link is for another programme's strategy.")
        label = f"{reviewer.name}, {reviewer.role_label}"
    elif actor is not None:
        label = f"{actor.name} (programme team)"
    else:
        raise StrategyError("A comment needs an author.")
    comment = ReviewComment(
        version_id=version.id,
        section_key=section_key,
        reviewer_id=reviewer_id,
        author_id=actor.id if actor is not None else None,
        author_label=label[:200],
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    # A reviewer has no account: the audit names them by id, never by name or address.
    who = {} if actor is not None else {"actor_label": f"reviewer {reviewer_id}"}
    record(
        "strategy.comment_added",
        comment,
        actor=actor,
        version=version.number,
        section=section_key,
        **who,
    )
    db.session.commit()
    return comment


def resolve_comment(comment_id: int, note: str, *, actor: User) -> ReviewComment:
    """Resolve with a note; a comment someone else just resolved is a conflict, not a redo."""
    begin_write()
    resolved = db.session.execute(
        update(ReviewComment)
        .where(ReviewComment.id == comment_id, ReviewComment.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id, resolution_note=note.strip())
    ).rowcount
    comment = db.session.get(ReviewComment, comment_id, populate_existing=True)
    if comment is None:
        db.session.rollback()
        raise StrategyError("This comment no longer exists.")
    if not resolved:
        db.session.rollback()
        raise StrategyConflict("Someone else resolved this comment already; their note is shown.")
    record("strategy.comment_resolved", comment, actor=actor, version_id=comment.version_id)
    db.session.commit()
    return comment


def comments_by_section(version: StrategyVersion) -> dict[str, list[ReviewComment]]:
    grouped: dict[str, list[ReviewComment]] = defaultdict(list)
    for comment in db.session.execute(
        select(ReviewComment)
        .where(ReviewComment.version_id == version.id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    ).scalars():
        grouped[comment.section_key].append(comment)
    return grouped


def count_earlier_comments(reviewer_id: int, version_id: int) -> int:
    """A reviewer's comments on other versions than the one shown, for "the team has them"."""
    return db.session.execute(
        select(func.count()).where(
            ReviewComment.reviewer_id == reviewer_id, ReviewComment.version_id != version_id
        )
    ).scalar_one()


def open_comment_counts(version_ids: Sequence[int]) -> dict[int, int]:
    if not version_ids:
        return {}
    return dict(
        db.session.execute(
            select(ReviewComment.version_id, func.count())
            .where(
                ReviewComment.version_id.in_(list(version_ids)),
                ReviewComment.resolved_at.is_(None),
            )
            .group_by(ReviewComment.version_id)
        ).all()
    )
