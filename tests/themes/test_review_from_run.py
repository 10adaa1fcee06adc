"""The whole chain: a theme run, the framework made from it, then review, map and compare."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback.corpus import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import Framework, Theme, ThemeMember
from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit, text_of
from tests.themes.runs_factories import make_corpus


def test_a_framework_from_a_run_can_be_reviewed_mapped_and_compared(app: Flask) -> None:
    make_corpus(app, 60)
    analyst = make_staff(app, "analyst", email="analyst@example.org")
    with app.app_context():
        actor = db.session.get(User, analyst)
        run_id = runs.start_run(CorpusFilters(), runs.RunSettings(n_themes=3, seed=1), actor=actor)
        framework_id = runs.create_framework(run_id, name="Spring KLOEs", actor=actor)
        themes = list(
            db.session.execute(
                select(Theme.id).where(Theme.framework_id == framework_id).order_by(Theme.position)
            ).scalars()
        )
    client = app.test_client()
    login(client, "analyst@example.org", PASSWORD)
    base = f"/themes/frameworks/{framework_id}"
    page = text_of(client.get(base))
    assert "Spring KLOEs" in page and "3 themes over 60 relevant answers" in page

    first = f"{base}/themes/{themes[0]}"
    merged = submit(client, f"{first}/edit", {"merge-others": [themes[1]]}, action=f"{first}/merge")
    assert merged.status_code == 302
    assert submit(client, f"{base}/map", {}).status_code == 302

    history = text_of(client.get(f"{base}/history"))
    assert "Created from theme run" in history and "Mapped 60 answers" in history
    assert "Compare two runs" in history  # the run it came from and the mapping
    compared = text_of(client.get(f"{base}/history/compare?a=1&b=3"))
    assert "Removed" in compared
    with app.app_context():
        framework = db.session.get(Framework, framework_id)
        assert framework.version == 3
        total = db.session.execute(select(func.sum(Theme.member_count))).scalar()
        members = db.session.execute(select(func.count()).select_from(ThemeMember)).scalar()
        assert total == members >= 50
    rows = client.get(f"{base}/export/responses.csv").get_data(as_text=True).splitlines()
    assert len(rows) == members + 1
