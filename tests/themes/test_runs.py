"""Theme runs as jobs: start, snapshot, progress, failure and retry, reproduce, framework."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.feedback.services import CorpusFilters, corpus
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    RunItem,
    RunTheme,
    Theme,
    ThemeMember,
    ThemeRun,
)
from tests.factories import make_staff
from tests.themes.factories import make_answers
from tests.themes.runs_factories import busy_runner, make_corpus

SETTINGS = runs.RunSettings(n_themes=3, seed=1)
EVERYTHING = CorpusFilters()


def _start(app: Flask, filters: CorpusFilters = EVERYTHING, settings=SETTINGS) -> int:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        return runs.start_run(filters, settings, actor=db.session.get(User, analyst))


def _run(app: Flask, run_id: int) -> ThemeRun:
    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        db.session.expunge(run)
        return run


def test_a_run_executes_and_keeps_its_configuration_and_snapshot(app: Flask) -> None:
    answer_ids = make_corpus(app, 60)
    run_id = _start(app)
    run = _run(app, run_id)
    assert run.status == "succeeded", run.error
    assert run.progress == 1.0 and run.attempts == 1
    assert run.corpus_size == 60 and run.started_at and run.finished_at
    engine = run.config["engine"]
    assert engine["random_state"] == 1 and engine["n_themes"] == 3
    assert "domain_stop_words" in engine and "n_runs" in engine  # defaults stored too
    assert run.summary["n_themes"] >= 2 and run.summary["counts"]["total"] == 60
    with app.app_context():
        items = db.session.execute(
            select(RunItem).where(RunItem.run_id == run_id).order_by(RunItem.position)
        ).scalars().all()  # fmt: skip
        assert sorted(i.answer_id for i in items) == answer_ids
        assert [i.position for i in items] == list(range(60))
        # In the corpus's own order (oldest first), which a reproduction replays.
        assert [i.answer_id for i in items] == [row.answer_id for row in corpus()]
        assert all(i.text for i in items)
        themes = db.session.execute(select(RunTheme).where(RunTheme.run_id == run_id)).scalars()
        sizes = {t.index: t.size for t in themes}
        assert sum(1 for i in items if i.theme_index >= 0) == sum(sizes.values())
        actions = db.session.execute(select(AuditEntry.action)).scalars().all()
        assert "themes.run_started" in actions


def test_an_empty_or_tiny_corpus_is_refused_and_nothing_saved(app: Flask) -> None:
    with pytest.raises(runs.CorpusTooSmall, match="No answers match"):
        _start(app)
    make_corpus(app, 6)
    with pytest.raises(runs.CorpusTooSmall, match="holds 6 answers"):
        _start(app)
    with app.app_context():
        assert db.session.execute(select(func.count(ThemeRun.id))).scalar_one() == 0


def test_settings_are_checked(app: Flask) -> None:
    make_corpus(app, 20)
    with pytest.raises(runs.InvalidSettings):
        _start(app, settings=runs.RunSettings(min_themes=5, max_themes=3))
    with pytest.raises(runs.InvalidSettings):
        _start(app, settings=runs.RunSettings(n_themes=500))


def test_filters_choose_the_snapshot(app: Flask) -> None:
    make_corpus(app, 30, regions=["London"] * 30)
    north = make_corpus(app, 30, regions=["North West"] * 30)
    run_id = _start(app, CorpusFilters(regions=("North West",)))
    with app.app_context():
        snapshot = db.session.execute(
            select(RunItem.answer_id).where(RunItem.run_id == run_id).order_by(RunItem.position)
        ).scalars().all()  # fmt: skip
    assert sorted(snapshot) == north
    assert _run(app, run_id).corpus_filters["regions"] == ["North West"]


def test_the_snapshot_is_redacted(app: Flask) -> None:
    make_corpus(app, 20)
    make_answers(app, ["Call me on 07700 900123 about the waiting list for OH"])
    run_id = _start(app)
    with app.app_context():
        texts = db.session.execute(select(RunItem.text).where(RunItem.run_id == run_id))
        assert not any("07700" in t for t in texts.scalars())


def test_reproducing_a_run_gives_the_same_result(app: Flask) -> None:
    make_corpus(app, 60)
    first = _start(app)
    make_corpus(app, 10)  # later answers must not leak into the reproduction
    analyst = make_staff(app, "analyst")
    with app.app_context():
        second = runs.reproduce_run(first, actor=db.session.get(User, analyst))
    run = _run(app, second)
    assert run.status == "succeeded" and run.config["reproduces"] == first
    assert run.config["engine"] == _run(app, first).config["engine"]
    with app.app_context():
        assert runs.same_result(first, second)
        assert len(runs.assignments(second)) == 60


def test_a_failed_run_shows_why_and_can_be_retried(app: Flask) -> None:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        # Queued while answers existed, which were erased before the job ran.
        run = ThemeRun(
            config={"engine": SETTINGS.engine_params()},
            corpus_filters=runs.filters_to_dict(CorpusFilters(regions=("South West",))),
            corpus_size=40,
            created_by_id=analyst,
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        assert runs.execute_run(run_id) == "failed"
    failed = _run(app, run_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert "No answers matched" in failed.error and "Traceback" not in failed.error
    make_corpus(app, 40, regions=["South West"] * 40)
    with app.app_context():
        runs.retry_run(run_id, actor=db.session.get(User, analyst))
    retried = _run(app, run_id)
    assert retried.status == "succeeded" and retried.attempts == 2 and retried.error is None
    with app.app_context(), pytest.raises(runs.RunNotRetryable):
        runs.retry_run(run_id, actor=db.session.get(User, analyst))


def test_a_corpus_of_non_answers_fails_with_a_reason(app: Flask) -> None:
    make_answers(app, ["n/a", "nothing", "No comment", "none", "N/A", "nothing to add"] * 2)
    run_id = _start(app, settings=runs.RunSettings(seed=0))
    run = _run(app, run_id)
    assert run.status == "failed"
    assert "no themes" in run.error and "non-answers" in run.error


def test_a_job_delivered_twice_runs_once(app: Flask) -> None:
    make_corpus(app, 30)
    run_id = _start(app)
    with app.app_context():
        assert runs.execute_run(run_id) == "skipped"
    assert _run(app, run_id).attempts == 1


def test_progress_is_throttled(app: Flask) -> None:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        run = ThemeRun(config={}, created_by_id=analyst, status="running", attempts=1)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        now = [0.0]
        writer = runs.ProgressWriter(run_id, 1, low=0.0, high=1.0, clock=lambda: now[0])
        for n in range(1, 1001):  # a thousand callbacks in 0.1 s, 0.1% apart
            now[0] = n / 10_000
            writer(n / 1000, f"step {n}")
        assert writer.writes <= 51
        now[0] += 1.0
        writer(1.0, "done")
        stored = db.session.get(ThemeRun, run_id)
        db.session.refresh(stored)
        assert stored.progress == 1.0 and stored.progress_message == "done"


def test_a_framework_from_a_run(app: Flask) -> None:
    answer_ids = make_corpus(app, 60)
    run_id = _start(app)
    analyst = make_staff(app, "analyst")
    with app.app_context():
        framework_id = runs.create_framework(
            run_id, name="  Spring KLOEs  ", actor=db.session.get(User, analyst)
        )
    with app.app_context():
        framework = db.session.get(Framework, framework_id)
        assert framework.name == "Spring KLOEs" and framework.version == 1
        run_themes = db.session.execute(
            select(RunTheme).where(RunTheme.run_id == run_id).order_by(RunTheme.index)
        ).scalars().all()  # fmt: skip
        themes = framework.themes
        assert [t.name for t in themes] == [t.label for t in run_themes]
        assert all(t.source_run_id == run_id for t in themes)
        members = db.session.execute(
            select(ThemeMember.theme_id, ThemeMember.answer_id, ThemeMember.source)
        ).all()
        assert {m.source for m in members} == {"discovered"}
        for theme in themes:
            in_theme = {m.answer_id for m in members if m.theme_id == theme.id}
            assert theme.member_count == len(in_theme) > 0
            assert set(theme.quote_answer_ids) <= in_theme and theme.terms
        answers = db.session.execute(
            select(FrameworkAnswer.answer_id).where(FrameworkAnswer.framework_id == framework_id)
        ).scalars()
        assert sorted(answers) == sorted(answer_ids)
        change = db.session.execute(select(FrameworkChange)).scalar_one()
        assert (change.version, change.action) == (1, "created from run")
        assert len(change.snapshot) == len(themes)
        assert [f.id for f in runs.frameworks_from(run_id)] == [framework_id]
        assert db.session.execute(select(func.count(Theme.id))).scalar_one() == len(themes)


def test_only_a_finished_run_becomes_a_framework(app: Flask) -> None:
    analyst = make_staff(app, "analyst")
    with app.app_context():
        run = ThemeRun(config={}, created_by_id=analyst)
        db.session.add(run)
        db.session.commit()
        with pytest.raises(runs.RunNotFinished):
            runs.create_framework(run.id, name="x", actor=db.session.get(User, analyst))
        with pytest.raises(runs.RunNotFinished):
            runs.reproduce_run(run.id, actor=db.session.get(User, analyst))


def test_filters_round_trip_through_json() -> None:
    from datetime import date

    filters = CorpusFilters(
        questionnaire_ids=(1, 2), regions=("London",), date_from=date(2025, 1, 1),
        sources=("imported",), kinds=("kloe",),
    )  # fmt: skip
    assert runs.filters_from_dict(runs.filters_to_dict(filters)) == filters


def test_purged_answers_leave_no_copy_in_run_snapshots(app: Flask) -> None:
    from datetime import timedelta

    from ohwb_engage.database import utcnow
    from ohwb_engage.privacy.services import purge_expired

    make_corpus(app, 20)
    run_id = _start(app)
    with app.app_context():
        purge_expired(now=utcnow() + timedelta(days=3650))
    with app.app_context():
        items = db.session.execute(select(RunItem).where(RunItem.run_id == run_id)).scalars()
        assert {(i.answer_id, i.text) for i in items} == {(None, "")}
        assert db.session.get(ThemeRun, run_id).corpus_size == 20  # the record stays


def test_the_demo_leaves_a_framework_ready_to_review(app: Flask, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Themes: run" in result.output and "ready to review" in result.output
    with app.app_context():
        framework = db.session.execute(select(Framework)).scalar_one()
        assert len(framework.themes) >= 6
        assert all(t.member_count > 0 and t.terms for t in framework.themes)
        run = db.session.execute(select(ThemeRun)).scalar_one()
        assert run.status == "succeeded" and run.config["settings"]["seed"] == 2025


def test_a_stale_run_can_be_retried_and_its_old_attempt_is_fenced_off(app: Flask) -> None:
    from datetime import timedelta

    from ohwb_engage.database import utcnow

    make_corpus(app, 30)
    analyst = make_staff(app, "analyst")
    with app.app_context():
        actor = db.session.get(User, analyst)
        # A worker that died an hour and a half ago, half way through.
        stuck = ThemeRun(
            config={"engine": SETTINGS.engine_params()},
            corpus_filters=runs.filters_to_dict(CorpusFilters()),
            status="running",
            attempts=1,
            started_at=utcnow() - timedelta(minutes=90),
        )
        fresh = ThemeRun(config={}, status="running", attempts=1, started_at=utcnow())
        db.session.add_all([stuck, fresh])
        db.session.commit()
        stuck_id, fresh_id = stuck.id, fresh.id
        assert runs.is_stale(stuck) and not runs.is_stale(fresh)
        with pytest.raises(runs.RunNotRetryable):
            runs.retry_run(fresh_id, actor=actor)
        runs.retry_run(stuck_id, actor=actor)
    retried = _run(app, stuck_id)
    assert (retried.status, retried.attempts) == ("succeeded", 2)
    with app.app_context():
        # The first attempt wakes up: it may not write a thing.
        late = runs.ProgressWriter(stuck_id, 1)
        with pytest.raises(runs.Superseded):
            late(0.5, "still here")
    assert _run(app, stuck_id).progress == 1.0


@pytest.mark.parametrize("config_overrides", [{"JOBS_MODE": "thread"}])
def test_a_run_in_a_background_thread_reports_progress_and_finishes(app: Flask) -> None:
    import time

    make_corpus(app, 40)
    run_id = _start(app)  # returns at once: the run goes on in a thread of this process
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = _run(app, run_id)
        seen.add(run.status)
        if run.status in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert run.status == "succeeded", run.error
    assert run.progress == 1.0 and run.attempts == 1
    assert seen & {"queued", "running"}  # the request did not wait for the engine


@pytest.mark.parametrize(
    "config_overrides", [{"JOBS_MODE": "rq", "REDIS_URL": "redis://127.0.0.1:1/0"}]
)
def test_a_queue_that_does_not_answer_fails_the_run_with_a_reason(app: Flask) -> None:
    make_corpus(app, 20)
    run_id = _start(app)
    run = _run(app, run_id)
    assert run.status == "failed" and "job queue" in run.error
    assert run.attempts == 0  # never started: a retry starts it from scratch


THREADS = {"JOBS_MODE": "thread", "JOBS_ALLOWED_MODULES": ["ohwb_engage.", "tests."]}


@pytest.mark.parametrize("config_overrides", [THREADS])
def test_the_same_run_started_again_while_it_waits_is_the_same_run(app: Flask) -> None:
    make_corpus(app, 40)
    analyst, colleague = (
        make_staff(app, "analyst"),
        make_staff(app, "analyst", email="b@example.org"),
    )
    other = runs.RunSettings(n_themes=3, seed=2)
    with busy_runner(app), app.app_context():
        first = runs.start_run(EVERYTHING, SETTINGS, actor=db.session.get(User, analyst))
        assert _run(app, first).status == "queued"  # the runner is busy: it waits
        again = runs.start_run(EVERYTHING, SETTINGS, actor=db.session.get(User, analyst))
        by_colleague = runs.start_run(EVERYTHING, SETTINGS, actor=db.session.get(User, colleague))
        other_seed = runs.start_run(EVERYTHING, other, actor=db.session.get(User, analyst))
        narrower = runs.start_run(
            CorpusFilters(sources=("online",)), SETTINGS, actor=db.session.get(User, analyst)
        )
        assert again == by_colleague == first  # the same themes would be found: one run
        assert len({first, other_seed, narrower}) == 3  # different choices: their own runs
        started = db.session.execute(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "themes.run_started"
            )
        ).scalar_one()  # fmt: skip
        assert started == 3
    for run_id in (first, other_seed, narrower):
        _wait(app, run_id)
    with app.app_context():  # finished: starting it again is a new run, not the old one
        later = runs.start_run(EVERYTHING, SETTINGS, actor=db.session.get(User, analyst))
    assert later not in (first, other_seed, narrower)
    _wait(app, later)


@pytest.mark.parametrize("config_overrides", [THREADS])
def test_a_reproduction_asked_for_twice_while_it_waits_is_one_run(app: Flask) -> None:
    make_corpus(app, 40)
    analyst = make_staff(app, "analyst")
    with app.app_context():
        source = runs.start_run(EVERYTHING, SETTINGS, actor=db.session.get(User, analyst))
    _wait(app, source)
    with busy_runner(app), app.app_context():
        first = runs.reproduce_run(source, actor=db.session.get(User, analyst))
        again = runs.reproduce_run(source, actor=db.session.get(User, analyst))
        assert first == again != source
    assert _wait(app, first).config["reproduces"] == source


def _wait(app: Flask, run_id: int, seconds: float = 120) -> ThemeRun:
    import time

    deadline = time.monotonic() + seconds
    while (run := _run(app, run_id)).status in ("queued", "running"):
        assert time.monotonic() < deadline, f"run {run_id} still {run.status}"
        time.sleep(0.05)
    assert run.status == "succeeded", run.error
    return run
