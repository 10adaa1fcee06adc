"""Demo roadmap: a programme over the demo framework with a three-level tree of items across
the three horizons, linked to its themes, with references and a published public page.

Runs after the themes demo. With no framework (the themes demo did not run) the programme
and its tree are still made, without theme links, and the public page stays unpublished:
it has no themes to show. Publishing here sends no e-mail: demo participants are not real.
"""

from __future__ import annotations

from sqlalchemy import select, update

from ohwb_engage.accounts.models import User
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Response
from ohwb_engage.roadmap.models import (
    Programme,
    Reference,
    ReferenceKind,
    RoadmapItem,
    RoadmapItemTheme,
)
from ohwb_engage.themes.models import Framework, FrameworkAnswer, Theme

SLUG = "oh-wellbeing-roadmap"

# (title, horizon, owner, status, progress, children); leaves hold the typed progress.
TREE = [
    (
        "Faster access to occupational health",
        "short",
        "National OH team",
        "in_progress",
        0,
        [
            (
                "Self-referral in every trust",
                "short",
                "Regional OH leads",
                "in_progress",
                0,
                [
                    ("Publish a self-referral template", "short", "OH lead", "done", 100, []),
                    (
                        "Pilot self-referral in 5 trusts",
                        "short",
                        "Pilot sites",
                        "in_progress",
                        40,
                        [],
                    ),
                ],
            ),
            ("Fast-track physiotherapy for MSK", "medium", "MSK network", "agreed", 10, []),
        ],
    ),
    (
        "Managers who support wellbeing",
        "medium",
        "People directorate",
        "agreed",
        0,
        [
            (
                "Wellbeing conversations training",
                "medium",
                "Leadership academy",
                "in_progress",
                0,
                [
                    ("Design the training with staff", "short", "Co-design group", "done", 100, []),
                    (
                        "Train 1,000 line managers",
                        "medium",
                        "Leadership academy",
                        "proposed",
                        0,
                        [],
                    ),
                ],
            ),
            ("Reasonable adjustments passport", "medium", "HR policy", "dropped", 0, []),
        ],
    ),
    (
        "A sustainable OH workforce",
        "long",
        "National OH team",
        "proposed",
        0,
        [
            ("Grow OH nurse training places", "long", "Education and training", "proposed", 0, []),
            (
                "Career pathway for OH practitioners",
                "long",
                "Professional bodies",
                "proposed",
                5,
                [],
            ),
        ],
    ),
]

REFERENCES = [
    (
        ReferenceKind.ACADEMIC,
        "NHS Health and Well-being: Final Report",
        "Boorman S",
        2009,
        "Staff health and wellbeing improve patient care and reduce sickness absence.",
    ),
    (
        ReferenceKind.ACADEMIC,
        "Thriving at Work: the Stevenson/Farmer review of mental health and employers",
        "Stevenson D, Farmer P",
        2017,
        "Core standards every employer can adopt, including managers' conversations.",
    ),
    (
        ReferenceKind.PRACTICE,
        "Growing Occupational Health and Wellbeing Together",
        "NHS England",
        2023,
        "The national strategy this roadmap contributes to.",
    ),
]


# Words in an item's title -> words in the themes that support it (name or distinctive terms).
KEYWORDS = {
    "referral": ("referral", "absence", "occupational health"),
    "occupational health": ("occupational health", "referral", "physicians"),
    "physiotherapy": ("physio", "neck", "msk"),
    "manager": ("manager", "conversation", "adjustment"),
    "wellbeing": ("wellbeing", "conversation", "stress"),
    "training": ("training", "conversation", "manager"),
    "adjustments": ("adjustment", "menopause", "flexible"),
    "workforce": ("physicians", "vacancy", "recruit", "occupational health"),
    "nurse": ("recruit", "vacancy", "physicians"),
    "career": ("recruit", "vacancy", "physicians"),
}


def _supporting(title: str, themes: list[Theme], n: int) -> set[int]:
    """Themes whose name or terms share the item's subject; else one in turn, so every item
    has evidence to show whatever the engine called the themes."""
    wanted = [w for key, words in KEYWORDS.items() if key in title.lower() for w in words]
    found = {
        theme.id
        for theme in themes
        if any(
            w in " ".join([theme.name, *(str(t[0]) for t in theme.terms or [])]).lower()
            for w in wanted
        )
    }
    return set(sorted(found)[:3]) or {themes[n % len(themes)].id}


def _framework() -> Framework | None:
    """The demo framework: the most recent one that has themes."""
    return db.session.execute(
        select(Framework)
        .where(Framework.id.in_(select(Theme.framework_id)))
        .order_by(Framework.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _add(programme: Programme, nodes: list, parent: RoadmapItem | None, out: list) -> None:  # type: ignore[type-arg]
    for position, (title, horizon, owner, status, progress, children) in enumerate(nodes):
        item = RoadmapItem(
            programme_id=programme.id,
            parent_id=parent.id if parent else None,
            title=title,
            description="",
            horizon=horizon,
            owner=owner,
            status=status,
            progress=progress,
            position=position,
        )
        db.session.add(item)
        db.session.flush()
        out.append(item)
        _add(programme, children, item, out)


def seed(staff: dict[str, User]) -> list[str]:
    if db.session.execute(select(Programme).where(Programme.slug == SLUG)).first():
        return ["Roadmap: the demo programme is already there."]
    framework = _framework()
    programme = Programme(
        title="Occupational health and wellbeing roadmap 2026 to 2031",
        summary="What we heard in workshops, Breakfast Clubs and surveys, and what we are "
        "doing about it over the next five years.",
        framework_id=framework.id if framework else None,
        slug=SLUG,
        created_by_id=staff["analyst"].id,
    )
    db.session.add(programme)
    db.session.flush()
    items: list[RoadmapItem] = []
    _add(programme, TREE, None, items)
    for n, (kind, title, authors, year, note) in enumerate(REFERENCES):
        db.session.add(
            Reference(
                item_id=items[n * 3 % len(items)].id,
                kind=kind.value,
                title=title,
                authors=authors,
                year=year,
                note=note,
            )
        )
    report = [f"Roadmap: a programme with {len(items)} items in three levels and references."]
    if framework is None:
        db.session.commit()
        return [*report, "Roadmap: no theme framework yet, so no theme links or public page."]
    themes = list(
        db.session.execute(
            select(Theme).where(Theme.framework_id == framework.id).order_by(Theme.position)
        ).scalars()
    )
    for n, item in enumerate(items):
        for theme_id in _supporting(item.title, themes, n):
            db.session.add(RoadmapItemTheme(item_id=item.id, theme_id=theme_id))
    # A third of the framework's respondents said they may be quoted on the public page.
    respondents = select(Answer.response_id).join(
        FrameworkAnswer, FrameworkAnswer.answer_id == Answer.id
    )
    db.session.execute(
        update(Response)
        .where(Response.id.in_(respondents.where(FrameworkAnswer.framework_id == framework.id)))
        .where(Response.id % 3 == 0)
        .values(may_quote=True)
    )
    programme.public_published_at = utcnow()
    db.session.commit()
    return [*report, f"Roadmap: public page published at /roadmap/p/{SLUG} (no e-mails sent)."]
