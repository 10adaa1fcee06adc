"""The demo draft strategy: version 1 over the demo roadmap, reviewers, comments, a link."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.roadmap import demo as roadmap_demo
from ohwb_engage.roadmap import strategy_demo
from ohwb_engage.roadmap.strategy_models import ReviewComment, Reviewer, StrategyVersion
from tests.factories import make_staff
from tests.themes.factories import make_answers, make_framework


def _seed(app: Flask) -> list[str]:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        staff = {"analyst": db.session.get(User, analyst)}
        return roadmap_demo.seed(staff) + strategy_demo.seed(staff)


def test_demo_strategy_is_published_with_reviewers_and_a_working_link(app: Flask) -> None:
    answers = make_answers(app, [f"answer {n}" for n in range(12)])
    make_framework(
        app,
        {"Access": answers[:4], "Managers": answers[4:7], "Careers": answers[7:9],
         "Parking": answers[9:]},
    )  # fmt: skip
    report = _seed(app)
    assert "version 1 of the draft strategy with 3 sections" in report[-2]
    with app.app_context():
        version = db.session.execute(select(StrategyVersion)).scalar_one()
        assert version.published and version.number == 1
        assert [s["title"] for s in version.content["sections"]] == [
            "Access",
            "Managers",
            "Parking",
        ]
        assert db.session.execute(select(func.count()).select_from(Reviewer)).scalar() == 2
        resolved = db.session.execute(
            select(func.count()).where(ReviewComment.resolved_at.is_not(None))
        ).scalar()
        assert resolved == 1
        assert db.session.execute(select(OutboxMessage)).first() is None  # no e-mail sent
    link = re.search(r"http://localhost(/roadmap/review/\S+)", report[-1]).group(1)
    page = app.test_client().get(link)
    assert page.status_code == 200 and "Access" in page.get_data(as_text=True)
    with app.app_context():
        staff = {"analyst": db.session.execute(select(User)).scalars().first()}
        assert strategy_demo.seed(staff) == ["Strategy: the demo draft strategy is already there."]


def test_demo_strategy_needs_a_framework(app: Flask) -> None:
    assert _seed(app)[-1].startswith("Strategy: no demo programme with a theme framework")
