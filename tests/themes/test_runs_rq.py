"""The issue's test: a run on the in-process runner and one on RQ with the real Redis give
the same result for the same seed. The RQ run goes through a real queue and a SimpleWorker
that builds its own app from the environment, as ``rq worker ohwb`` would."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import RunTheme, ThemeRun
from tests.factories import make_staff
from tests.rq_worker import RQ, empty_queue, work_queue
from tests.themes.runs_factories import make_corpus


def _themes(app: Flask, run_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (t.index, t.label, t.size, t.terms, t.quote_positions, t.sentiment)
            for t in db.session.execute(
                select(RunTheme).where(RunTheme.run_id == run_id).order_by(RunTheme.index)
            ).scalars()
        ]


def test_in_process_and_rq_runs_agree(
    app: Flask,
    database_url: str,
    redis_connection,
) -> None:
    make_corpus(app, 60)
    analyst = make_staff(app, "analyst")
    settings = runs.RunSettings(min_themes=2, max_themes=5, seed=11)
    with app.app_context():
        in_process = runs.start_run(CorpusFilters(), settings, actor=db.session.get(User, analyst))

    queue = empty_queue(redis_connection)
    app.config.update(RQ)
    with app.app_context():
        on_rq = runs.start_run(CorpusFilters(), settings, actor=db.session.get(User, analyst))
        queued = db.session.get(ThemeRun, on_rq)
        assert queued.status == "queued" and queued.job_id  # nothing ran in this process

    work_queue(queue, redis_connection, database_url)

    with app.app_context():
        done = db.session.get(ThemeRun, on_rq)
        assert done.status == "succeeded", done.error
        assert done.progress == 1.0
        assert runs.same_result(in_process, on_rq)
        assert runs.assignments(on_rq) and max(runs.assignments(on_rq)) >= 1
    assert _themes(app, in_process) == _themes(app, on_rq)
