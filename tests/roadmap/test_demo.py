"""The demo roadmap: a three-level tree across horizons, linked to the demo framework's
themes when there is one, with references and a published page that renders."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ohwb_engage import demo
from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.roadmap import demo as roadmap_demo
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap.models import Programme, Reference, RoadmapItemTheme
from tests.factories import make_staff
from tests.themes.factories import make_answers, make_framework


def _seed(app: Flask) -> list[str]:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        return roadmap_demo.seed({"analyst": db.session.get(User, analyst)})


def test_roadmap_seeder_runs_last() -> None:
    # Only the draft strategy's demo, which is built on the roadmap's, comes after it.
    assert demo.FEATURE_SEEDERS[-2:] == [
        "ohwb_engage.roadmap.demo",
        "ohwb_engage.roadmap.strategy_demo",
    ]


def test_demo_roadmap_on_the_demo_framework(app: Flask, client: FlaskClient) -> None:
    answers = make_answers(app, [f"answer {n}" for n in range(9)])
    make_framework(app, {"Access": answers[:3], "Managers": answers[3:6], "Careers": answers[6:]})
    report = _seed(app)
    assert any("published" in line for line in report)
    with app.app_context():
        programme = db.session.execute(select(Programme)).scalar_one()
        rows = tree.flatten(programme.items)
        assert max(row.depth for row in rows) == 2  # three levels
        assert {row.item.horizon for row in rows} == {"short", "medium", "long"}
        assert db.session.execute(select(func.count()).select_from(RoadmapItemTheme)).scalar()
        assert db.session.execute(select(func.count()).select_from(Reference)).scalar() == 3
        assert programme.published
    page = client.get(f"/roadmap/p/{roadmap_demo.SLUG}")
    assert page.status_code == 200 and "Self-referral in every trust" in page.get_data(True)
    assert _seed(app) == ["Roadmap: the demo programme is already there."]


def test_demo_roadmap_without_a_framework_stays_unpublished(app: Flask) -> None:
    report = _seed(app)
    assert "no theme framework yet" in report[-1]
    with app.app_context():
        programme = db.session.execute(select(Programme)).scalar_one()
        assert programme.framework_id is None and not programme.published
        assert len(programme.items) == 13
