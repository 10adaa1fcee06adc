"""The issue's test: a run on the in-process runner and one on RQ with the real Redis give
the same result for the same seed. The RQ run goes through a real queue and a SimpleWorker
that builds its own app from the environment, as ``rq worker ohwb`` would."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import RunTheme, ThemeRun
from tests.conftest import in_ci
from tests.factories import make_staff
from tests.themes.runs_factories import make_corpus

# Database 14: apart from tests/test_jobs.py (15), so parallel workers never take each
# other's jobs from the shared "ohwb" queue name.
REDIS_URL = os.environ.get("OHWB_TEST_RUNS_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_connection():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if in_ci():
            pytest.fail(f"Redis at {REDIS_URL} does not answer")
        pytest.skip(f"Redis at {REDIS_URL} does not answer: the RQ comparison needs it")
    return connection


def _worker_env(database_url: str) -> dict[str, str]:
    return {
        "OHWB_DATABASE_URL": database_url,
        "OHWB_SECRET_KEY": "x" * 40,
        "OHWB_JOBS_ALLOWED_MODULES": '["ohwb_engage.", "tests."]',
    }


def _themes(app: Flask, run_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (t.index, t.label, t.size, t.terms, t.quote_positions, t.sentiment)
            for t in db.session.execute(
                select(RunTheme).where(RunTheme.run_id == run_id).order_by(RunTheme.index)
            ).scalars()
        ]


def test_in_process_and_rq_runs_agree(app: Flask, database_url: str, redis_connection) -> None:
    from rq import Queue, SimpleWorker

    make_corpus(app, 60)
    analyst = make_staff(app, "analyst")
    settings = runs.RunSettings(min_themes=2, max_themes=5, seed=11)
    with app.app_context():
        in_process = runs.start_run(CorpusFilters(), settings, actor=db.session.get(User, analyst))

    queue = Queue("ohwb", connection=redis_connection)
    queue.empty()
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    with app.app_context():
        on_rq = runs.start_run(CorpusFilters(), settings, actor=db.session.get(User, analyst))
        queued = db.session.get(ThemeRun, on_rq)
        assert queued.status == "queued" and queued.job_id  # nothing ran in this process

    env = _worker_env(database_url)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert SimpleWorker([queue], connection=redis_connection).work(burst=True)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    with app.app_context():
        done = db.session.get(ThemeRun, on_rq)
        assert done.status == "succeeded", done.error
        assert done.progress == 1.0
        assert runs.same_result(in_process, on_rq)
        assert runs.assignments(on_rq) and max(runs.assignments(on_rq)) >= 1
    assert _themes(app, in_process) == _themes(app, on_rq)
