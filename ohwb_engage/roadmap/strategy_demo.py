"""Demo draft strategy: version 1 of the demo programme's strategy, two reviewers, comments.

Runs after the roadmap demo. It needs the demo programme and a framework with themes; with
none it says so and does nothing. It sends no e-mail: the reviewers are made up, so the
report prints the first reviewer's link to open instead.
"""

from __future__ import annotations

from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.roadmap import strategy
from ohwb_engage.roadmap.demo import SLUG
from ohwb_engage.roadmap.models import Programme
from ohwb_engage.roadmap.strategy_models import Reviewer, ReviewerRole, StrategyVersion
from ohwb_engage.themes.models import Theme

INTRODUCTION = (
    "This draft sets out what staff, occupational health teams and system leaders told us "
    "in workshops, Breakfast Clubs and surveys, and what the programme will do about it over "
    "the next five years.\n\n"
    "Each section covers one priority theme: the evidence behind it, what people said, and "
    "the roadmap items that respond to it. The appendix explains how the analysis was done."
)
REVIEWERS = [
    ("Dr Ada Shah", "ada.shah@example.org", ReviewerRole.EXPERT),
    ("Sam Rivers", "sam.rivers@example.org", ReviewerRole.STEERING_GROUP),
]


def seed(staff: dict[str, User]) -> list[str]:
    programme = db.session.execute(
        select(Programme).where(Programme.slug == SLUG)
    ).scalar_one_or_none()
    if programme is None or programme.framework_id is None:
        return ["Strategy: no demo programme with a theme framework, so no draft strategy."]
    if db.session.execute(
        select(StrategyVersion.id).where(StrategyVersion.programme_id == programme.id)
    ).first():
        return ["Strategy: the demo draft strategy is already there."]
    themes = db.session.execute(
        select(Theme)
        .where(Theme.framework_id == programme.framework_id)
        .order_by(Theme.member_count.desc(), Theme.position)
    ).scalars()
    themes = list(themes)
    if not any(t.priority for t in themes):
        for theme in themes[:3]:  # the three largest become the priorities
            theme.priority = True
        db.session.commit()
    analyst = staff["analyst"]
    draft = strategy.save_draft_text(
        programme.id,
        "Occupational health and wellbeing: draft strategy 2026 to 2031",
        INTRODUCTION,
        0,
        actor=analyst,
    )
    version = strategy.publish(programme.id, draft.lock_version, actor=analyst)
    document = strategy.version_document(version)
    reviewers = []
    for name, email, role in REVIEWERS:
        reviewer = Reviewer(programme_id=programme.id, name=name, email=email, role=role.value,
                            invited_by_id=analyst.id)  # fmt: skip
        db.session.add(reviewer)
        reviewers.append(reviewer)
    db.session.commit()
    first_section = document.sections[0].key if document.sections else "methods"
    strategy.add_comment(
        version.id,
        first_section,
        "Please add the national waiting-time figures beside this evidence.",
        reviewer_id=reviewers[0].id,
    )
    comment = strategy.add_comment(
        version.id,
        "timeline",
        "The 3 to 5 year horizon needs a named owner for each item.",
        reviewer_id=reviewers[1].id,
    )
    strategy.resolve_comment(comment.id, "Owners agreed at the May steering group.", actor=analyst)
    return [
        f"Strategy: version 1 of the draft strategy with {len(document.sections)} sections, "
        "two reviewers and two comments (one resolved).",
        f"Strategy: a reviewer's link (no e-mail sent): {strategy.review_link(reviewers[0])}",
    ]
