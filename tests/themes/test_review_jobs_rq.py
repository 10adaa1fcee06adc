"""Map all and the split job through a real RQ queue (Redis) and a worker that builds its
own app, as in production; and both when the queue does not answer: the run fails with a
reason the analyst reads, and nothing is left stuck as queued."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.themes import review_map
from ohwb_engage.themes.models import ThemeMember, ThemeRun
from tests.helpers import text_of
from tests.rq_worker import RQ, empty_queue, work_queue
from tests.themes.test_review import workspace  # noqa: F401  (fixture)
from tests.themes.test_review_map import _arrange
from tests.themes.test_review_split_job import JOB_SPLIT, _merged, _sizes, _split, _splits

QUEUE_DOWN = {"JOBS_MODE": "rq", "REDIS_URL": "redis://127.0.0.1:1/0"}


def _mapped(app: Flask) -> set[tuple[int, int]]:
    with app.app_context():
        return {
            (theme, answer)
            for theme, answer in db.session.execute(
                select(ThemeMember.theme_id, ThemeMember.answer_id).where(
                    ThemeMember.source == "mapped"
                )
            )
        }


def _start_map(app: Flask, framework_id: int) -> ThemeRun:
    with app.app_context():
        analyst = db.session.execute(select(User)).scalars().one()
        run = review_map.start_map(framework_id, actor=analyst)
        db.session.expunge(run)
        return run


def test_map_all_on_rq_maps_as_the_in_process_runner_does(
    app: Flask, database_url: str, redis_connection
) -> None:
    ws = _arrange(app, coded_per_theme=8)
    inline = _start_map(app, ws["framework"])  # the tests' default runner: done on return
    assert inline.status == "succeeded"
    in_process = _mapped(app)
    assert len(in_process) >= 30

    queue = empty_queue(redis_connection)
    app.config.update(RQ)
    queued = _start_map(app, ws["framework"])
    assert queued.status == "queued" and queued.job_id  # nothing ran in this process
    work_queue(queue, redis_connection, database_url)
    with app.app_context():
        done = db.session.get_one(ThemeRun, queued.id)
        assert (done.status, done.progress, done.attempts) == ("succeeded", 1.0, 1), done.error
        assert done.summary["to_code"] == db.session.get_one(ThemeRun, inline.id).summary["to_code"]
    assert _mapped(app) == in_process


@pytest.mark.parametrize("config_overrides", [JOB_SPLIT])
def test_a_split_job_on_rq_splits_the_theme(
    app: Flask,
    database_url: str,
    redis_connection,
    workspace: dict,  # noqa: F811
) -> None:
    client, _food, page = _merged(app, workspace)
    queue = empty_queue(redis_connection)
    app.config.update(RQ)
    asked = _split(client, page)
    (run,) = _splits(app)
    assert asked.location.endswith(f"/splits/{run.id}")
    assert run.status == "queued" and run.job_id
    assert "Progress: 0%" in text_of(client.get(asked.location))
    work_queue(queue, redis_connection, database_url)
    (run,) = _splits(app)
    assert (run.status, run.attempts, run.corpus_size) == ("succeeded", 1, 12), run.error
    assert "Split into 2 themes from 12 responses" in text_of(client.get(asked.location))
    sizes = _sizes(app, workspace["framework"])
    assert len(sizes) == 3 and sum(sizes.values()) == 12 + len(workspace["rest_ids"])


@pytest.mark.parametrize("config_overrides", [QUEUE_DOWN])
def test_map_all_with_the_queue_down_fails_the_run_with_a_reason(app: Flask) -> None:
    ws = _arrange(app, coded_per_theme=8)
    run = _start_map(app, ws["framework"])
    assert run.status == "failed" and "job queue" in run.error
    assert run.attempts == 0  # never started: asking again starts afresh
    assert _mapped(app) == set()
    with app.app_context():  # not left "running": the analyst may try again at once
        assert review_map.start_map(
            ws["framework"], actor=db.session.execute(select(User)).scalars().one()
        ).status == "failed"  # fmt: skip


@pytest.mark.parametrize("config_overrides", [{**JOB_SPLIT, **QUEUE_DOWN}])
def test_a_split_job_with_the_queue_down_fails_with_a_reason_and_changes_nothing(
    app: Flask,
    workspace: dict,  # noqa: F811
) -> None:
    client, _food, page = _merged(app, workspace)
    before = _sizes(app, workspace["framework"])
    asked = _split(client, page)
    assert asked.status_code == 302
    (run,) = _splits(app)
    assert run.status == "failed" and "job queue" in run.error
    shown = text_of(client.get(asked.location))
    assert "job queue" in shown
    assert _sizes(app, workspace["framework"]) == before
    again = _split(client, page)  # a failed split does not block asking again
    assert again.status_code == 302 and len(_splits(app)) == 2
