"""'You said, we did': the public page of a programme, and publishing it.

The page shows what people said only in aggregate: how many responses each theme holds and
from which stakeholder groups (groups with fewer than ``SMALL_COUNT`` responses are pooled,
so a lone voice cannot be picked out), never names, organisations, regions or events. A
quote appears only when the respondent ticked "you may quote me", and then redacted.

Publishing e-mails the programme's participants who agreed to be contacted: people
registered for an event whose answers are in the programme's framework (``consent_contact``)
and respondents in the framework who ticked ``contact_consent``. Each address is told once
per programme (``ProgrammeNotice``), so publishing again after an edit does not resend.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Invitation, Response
from ohwb_engage.feedback.services import ERASED_DOMAIN
from ohwb_engage.mail.services import queue_email
from ohwb_engage.privacy.services import normalise, subject_hash
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap.models import (
    Horizon,
    ItemStatus,
    Programme,
    ProgrammeNotice,
    RoadmapItem,
    RoadmapItemTheme,
)
from ohwb_engage.roadmap.services import RoadmapError, commit_or_conflict, lock_programme
from ohwb_engage.themes.engine.redact import redact
from ohwb_engage.themes.evidence import Quote, evidence_for
from ohwb_engage.themes.models import FrameworkAnswer, Theme
from ohwb_engage.urls import external_url
from ohwb_engage.workshops.models import Registration, RegistrationStatus

SMALL_COUNT = 5  # fewer responses than this from one group are pooled, never shown alone
PUBLIC_QUOTES = 3
MAIL_CATEGORY = "roadmap_published"


@dataclass(frozen=True)
class PublicItem:
    title: str
    horizon: str
    status: str
    progress: int


@dataclass(frozen=True)
class PublicTheme:
    name: str
    description: str
    responses: int
    groups: tuple[tuple[str, int], ...]  # only groups with at least SMALL_COUNT responses
    other_groups: int  # responses from smaller groups, pooled (0 when under SMALL_COUNT)
    quotes: tuple[str, ...]  # consented and redacted
    items: tuple[PublicItem, ...]


@dataclass(frozen=True)
class PublicPage:
    programme: Programme
    themes: tuple[PublicTheme, ...]


@dataclass(frozen=True)
class PublishResult:
    first_time: bool
    notified: int


def published_programme(slug: str) -> Programme | None:
    return db.session.execute(
        select(Programme).where(Programme.slug == slug, Programme.public_published_at.is_not(None))
    ).scalar_one_or_none()


def _groups(by_group: tuple[tuple[str, int], ...]) -> tuple[tuple[tuple[str, int], ...], int]:
    shown = tuple((name, n) for name, n in by_group if n >= SMALL_COUNT and name != "Not given")
    pooled = sum(n for name, n in by_group if (name, n) not in shown)
    return shown, pooled if pooled >= SMALL_COUNT else 0


def _consented_quotes(quotes: tuple[Quote, ...]) -> tuple[str, ...]:
    """The quotes whose authors said they may be quoted, redacted of any personal data."""
    if not quotes:
        return ()
    allowed = set(
        db.session.execute(
            select(Answer.id)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.id.in_([q.answer_id for q in quotes]), Response.may_quote.is_(True))
        ).scalars()
    )
    return tuple(redact(q.text) for q in quotes if q.answer_id in allowed)


def page_for(programme: Programme) -> PublicPage:
    """The public page's content, computed from the live framework and roadmap."""
    if programme.framework_id is None:
        return PublicPage(programme, ())
    rows = tree.flatten(programme.items)
    progress = {row.item.id: row.progress for row in rows}
    by_id = {row.item.id: row.item for row in rows}
    order = {row.item.id: n for n, row in enumerate(rows)}  # the roadmap's own order
    links = sorted(
        db.session.execute(
            select(RoadmapItemTheme.theme_id, RoadmapItemTheme.item_id)
            .join(RoadmapItem, RoadmapItem.id == RoadmapItemTheme.item_id)
            .where(RoadmapItem.programme_id == programme.id)
        ).all(),
        key=lambda link: order.get(link[1], len(order)),
    )
    themes = db.session.execute(
        select(Theme)
        .where(Theme.framework_id == programme.framework_id)
        .order_by(Theme.position, Theme.id)
    ).scalars()
    shown = []
    for theme in themes:
        evidence = evidence_for([theme.id], quotes=PUBLIC_QUOTES * 3)
        items = tuple(
            PublicItem(
                title=by_id[item_id].title,
                horizon=Horizon(by_id[item_id].horizon).label,
                status=ItemStatus(by_id[item_id].status).label,
                progress=progress[item_id],
            )
            for theme_id, item_id in links
            if theme_id == theme.id
        )
        if evidence.empty and not items:
            continue
        groups, other = _groups(evidence.by_stakeholder_group)
        quotes = _consented_quotes(evidence.quotes)[:PUBLIC_QUOTES]
        shown.append(
            PublicTheme(
                name=theme.name,
                description=theme.description,
                responses=evidence.responses,
                groups=groups,
                other_groups=other,
                quotes=quotes,
                items=items,
            )
        )
    return PublicPage(programme, tuple(shown))


def recipients(programme: Programme) -> list[str]:
    """Addresses of the programme's participants who agreed to be contacted, normalised."""
    if programme.framework_id is None:
        return []
    in_framework = (
        select(Answer.response_id)
        .join(FrameworkAnswer, FrameworkAnswer.answer_id == Answer.id)
        .where(FrameworkAnswer.framework_id == programme.framework_id)
    )
    events = select(Response.event_id).where(
        Response.id.in_(in_framework), Response.event_id.is_not(None)
    )
    registered = select(Registration.email).where(
        Registration.event_id.in_(events),
        Registration.consent_contact.is_(True),
        Registration.status != RegistrationStatus.CANCELLED.value,
    )
    respondents = (
        select(Invitation.email, Registration.email)
        .select_from(Response)
        .outerjoin(Invitation, Invitation.id == Response.invitation_id)
        .outerjoin(Registration, Registration.id == Response.registration_id)
        .where(
            Response.id.in_(in_framework),
            Response.contact_consent.is_(True),
            Response.anonymous.is_(False),
        )
    )
    found = set(db.session.execute(registered).scalars())
    for invited, registrant in db.session.execute(respondents):
        found.add(invited or registrant)
    addresses = {normalise(a) for a in found if a}
    return sorted(a for a in addresses if not a.endswith("@" + ERASED_DOMAIN))


def _notice_text(programme: Programme, link: str) -> str:
    return (
        "Hello,\n\n"
        f"Thank you for taking part in {programme.title}. You told us what matters to you, "
        "and we have published what we are doing about it: the themes you raised and the "
        "roadmap that answers them, with progress so far.\n\n"
        f"See it here: {link}\n\n"
        "You are receiving this because you agreed to be contacted about the programme. "
        "We will not e-mail you about this page again.\n"
    )


def _notify(programme: Programme) -> int:
    """Queue one e-mail per consenting address not yet told about this programme."""
    told = set(
        db.session.execute(
            select(ProgrammeNotice.address_hash).where(ProgrammeNotice.programme_id == programme.id)
        ).scalars()
    )
    link = external_url("roadmap.public_page", slug=programme.slug)
    sent = 0
    for address in recipients(programme):
        digest = subject_hash(address)
        if digest in told:
            continue
        db.session.add(ProgrammeNotice(programme_id=programme.id, address_hash=digest))
        queue_email(
            address,
            f"You said, we did: {programme.title}",
            _notice_text(programme, link),
            category=MAIL_CATEGORY,
        )
        told.add(digest)
        sent += 1
    return sent


def publish(programme_id: int, *, actor: User) -> PublishResult:
    """Publish (or re-publish) the page and tell consenting participants not yet told."""
    programme = lock_programme(programme_id)
    if programme.framework_id is None:
        db.session.rollback()
        raise RoadmapError(
            "Choose the programme's framework before publishing: the page shows its themes."
        )
    first = programme.public_published_at is None
    if first:
        programme.public_published_at = utcnow()
    try:
        sent = _notify(programme)
        record("roadmap.publish", programme, actor=actor, first_time=first, notified=sent)
        commit_or_conflict("programme")
    except IntegrityError as exc:  # a notice raced in; nobody is mailed twice
        db.session.rollback()
        raise RoadmapError("The page was being published at the same time; try again.") from exc
    return PublishResult(first, sent)


def unpublish(programme_id: int, *, actor: User) -> None:
    """Take the page down; notices stay, so publishing again mails only newcomers."""
    programme = lock_programme(programme_id)
    if programme.public_published_at is not None:
        programme.public_published_at = None
        record("roadmap.unpublish", programme, actor=actor)
    commit_or_conflict("programme")
