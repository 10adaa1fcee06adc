"""Splitting a theme too big for the page: a job does it, the analyst follows its page.

The limit is lowered to 10 answers so the workspace's 12-answer theme takes the job path;
the in-process runner is real, held busy where a test needs the split to wait.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.themes import review_split
from ohwb_engage.themes.models import FrameworkChange, RunItem, Theme, ThemeMember, ThemeRun
from tests.helpers import submit, text_of
from tests.themes.runs_factories import busy_runner
from tests.themes.test_review import _base, _signed_in, workspace  # noqa: F401  (fixture)

JOB_SPLIT = {"SPLIT_INLINE_MAX_ANSWERS": 10}
THREADS = {**JOB_SPLIT, "JOBS_MODE": "thread"}


def _merged(app: Flask, ws: dict):
    """The analyst's client, after merging Parking into Food at night: one 12-answer theme."""
    client = _signed_in(app)
    food, parking = ws["themes"]["Food at night"], ws["themes"]["Parking"]
    page = f"{_base(ws)}/themes/{food}"
    assert submit(client, f"{page}/edit", {"merge-others": [parking]}, action=f"{page}/merge")
    return client, food, page


def _split(client, page: str):
    return submit(client, f"{page}/edit", {"split-parts": "2"}, action=f"{page}/split")


def _splits(app: Flask) -> list[ThemeRun]:
    with app.app_context():
        runs = db.session.execute(
            select(ThemeRun).where(ThemeRun.kind == "split").order_by(ThemeRun.id)
        ).scalars().all()  # fmt: skip
        db.session.expunge_all()
        return list(runs)


def _ended(app: Flask, run_id: int, seconds: float = 60) -> ThemeRun:
    deadline = time.monotonic() + seconds
    while True:
        (run,) = [r for r in _splits(app) if r.id == run_id]
        if run.status not in review_split.ACTIVE:
            return run
        assert time.monotonic() < deadline, f"split {run_id} still {run.status}"
        time.sleep(0.05)


def _sizes(app: Flask, framework_id: int) -> dict[str, int]:
    with app.app_context():
        return {
            name: count
            for name, count in db.session.execute(
                select(Theme.name, func.count(ThemeMember.answer_id))
                .join(ThemeMember, ThemeMember.theme_id == Theme.id, isouter=True)
                .where(Theme.framework_id == framework_id)
                .group_by(Theme.name)
            )
        }


@pytest.mark.parametrize("config_overrides", [JOB_SPLIT])
def test_a_theme_too_big_for_the_page_is_split_by_a_job(app: Flask, workspace: dict) -> None:  # noqa: F811
    client, food, page = _merged(app, workspace)
    assert "split in the background" in text_of(client.get(f"{page}/edit"))
    done = _split(client, page)
    assert done.status_code == 302
    (run,) = _splits(app)
    assert done.location == f"{_base(workspace)}/splits/{run.id}"
    assert (run.status, run.attempts, run.target_theme_id) == ("succeeded", 1, food)
    assert run.corpus_size == 12 and run.config["max_themes"] == 2

    result = client.get(done.location)
    text = text_of(result)
    assert result.status_code == 200 and "Split into 2 themes from 12 responses" in text
    assert 'http-equiv="refresh"' not in result.get_data(as_text=True)  # finished
    sizes = _sizes(app, workspace["framework"])
    assert len(sizes) == 3 and sum(sizes.values()) == 12 + len(workspace["rest_ids"])
    with app.app_context():
        parts = review_split.split_parts(db.session.get(ThemeRun, run.id))
        assert len(parts) == 2 and parts[0].id == food
        assert all(part.name in text for part in parts)
        assert db.session.execute(
            select(func.count()).select_from(RunItem).where(RunItem.run_id == run.id)
        ).scalar_one() == 12  # fmt: skip
        change = db.session.execute(
            select(FrameworkChange).order_by(FrameworkChange.version.desc()).limit(1)
        ).scalar_one()  # fmt: skip
        assert change.action == "split" and change.details["run_id"] == run.id
        assert db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "themes.split_started")
        ).scalar_one().target_id == str(run.id)  # fmt: skip
        # A job delivered twice (an RQ retry) splits once.
        assert review_split.run_split(run.id) == "skipped"
    assert _sizes(app, workspace["framework"]) == sizes


@pytest.mark.parametrize("config_overrides", [THREADS])
def test_a_split_waiting_for_a_worker_is_asked_once_and_splits_what_the_theme_holds_then(
    app: Flask,
    workspace: dict,  # noqa: F811
) -> None:
    client, food, page = _merged(app, workspace)
    rest = workspace["themes"]["Rest areas"]
    with busy_runner(app):
        first, second = _split(client, page), _split(client, page)  # a double click
        assert first.status_code == second.status_code == 302
        assert first.location == second.location
        (run,) = _splits(app)
        assert run.status == "queued"
        waiting = client.get(first.location)
        assert "Progress: 0%" in text_of(waiting)
        assert 'http-equiv="refresh"' in waiting.get_data(as_text=True)
        still = client.get(first.location + "?refresh=off")
        assert 'http-equiv="refresh"' not in still.get_data(as_text=True)
        assert "A split of this theme is under way" in text_of(client.get(f"{page}/edit"))
        _move(client, workspace, food, rest)  # before the job starts: the split sees 11
    run = _ended(app, run.id)
    assert run.status == "succeeded" and run.corpus_size == 11
    sizes = _sizes(app, workspace["framework"])
    assert sizes["Rest areas"] == len(workspace["rest_ids"]) + 1
    assert sum(sizes.values()) == 15 and len(sizes) == 3


def _move(client, ws: dict, from_theme: int, to_theme: int) -> None:
    moved = submit(
        client,
        f"{_base(ws)}/themes/{from_theme}",
        {
            "answer_ids": [ws["food_ids"][0]],
            "action": "move",
            "target": str(to_theme),
            "from_theme": str(from_theme),
        },
        action=f"{_base(ws)}/responses",
    )
    assert moved.status_code == 302


@pytest.mark.parametrize("config_overrides", [JOB_SPLIT])
def test_answers_moved_while_the_engine_works_stop_the_split_and_nothing_changes(
    app: Flask,
    workspace: dict,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, food, page = _merged(app, workspace)
    rest = workspace["themes"]["Rest areas"]
    engine = review_split._discover

    def colleague_moves_meanwhile(*args, **kwargs):
        """The real engine, with a colleague's move landing while it works."""
        _move(client, workspace, food, rest)
        return engine(*args, **kwargs)

    monkeypatch.setattr(review_split, "_discover", colleague_moves_meanwhile)
    failed = _split(client, page)
    (run,) = _splits(app)
    assert run.status == "failed" and "changed while it was being split" in run.error
    sizes = _sizes(app, workspace["framework"])
    assert len(sizes) == 2 and sizes["Rest areas"] == len(workspace["rest_ids"]) + 1
    assert sizes["Food at night"] == 11  # the move stands; nothing was split
    page_text = text_of(client.get(failed.location))
    assert "The theme was not split" in page_text and "try the split again" in page_text


@pytest.mark.parametrize("config_overrides", [THREADS])
def test_a_theme_merged_away_before_its_split_runs_fails_with_a_reason(
    app: Flask,
    workspace: dict,  # noqa: F811
) -> None:
    client, food, page = _merged(app, workspace)
    rest = workspace["themes"]["Rest areas"]
    rest_page = f"{_base(workspace)}/themes/{rest}"
    with busy_runner(app):
        queued = _split(client, page)
        merge = {"merge-others": [food]}
        assert submit(client, f"{rest_page}/edit", merge, action=f"{rest_page}/merge")
    (run,) = _splits(app)
    run = _ended(app, run.id)
    assert run.status == "failed" and "no longer in this framework" in run.error
    assert client.get(queued.location).status_code == 200
    assert list(_sizes(app, workspace["framework"]).values()) == [15]


def test_the_split_page_of_another_framework_or_kind_is_404(app: Flask, workspace: dict) -> None:  # noqa: F811
    client = _signed_in(app)
    assert client.get(f"{_base(workspace)}/splits/987654").status_code == 404
