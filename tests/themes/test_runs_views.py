"""Theme run pages: who may use them, the check button, starting, progress, retry, results."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import Framework, ThemeRun
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login, submit, text_of
from tests.themes.runs_factories import make_corpus

NEW = "/themes/runs/new"
SETTINGS = {"min_themes": "2", "max_themes": "4", "seed": "3", "n_themes": ""}


def _client(app: Flask, role: str = "analyst"):
    make_staff(app, role, email=f"{role}@example.org")
    client = app.test_client()
    assert login(client, f"{role}@example.org", PASSWORD).status_code == 302
    return client


def _run_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.execute(select(ThemeRun.id).order_by(ThemeRun.id)).scalars())


def test_facilitators_cannot_see_or_start_runs(app: Flask) -> None:
    make_corpus(app, 20)
    client = _client(app, "facilitator")
    assert client.get("/themes/runs").status_code == 403
    assert client.get(NEW).status_code == 403
    token = csrf_from(client.get("/staff").get_data(as_text=True))
    start = {"csrf_token": token, "action": "start", **SETTINGS}
    assert client.post(NEW, data=start).status_code == 403
    assert _run_ids(app) == []


def test_the_staff_header_links_analysts_to_runs(app: Flask) -> None:
    analyst = _client(app, "analyst")
    assert 'href="/themes/runs"' in analyst.get("/staff").get_data(as_text=True)
    facilitator = _client(app, "facilitator")
    assert 'href="/themes/runs"' not in facilitator.get("/staff").get_data(as_text=True)


def test_check_counts_the_selection_without_starting(app: Flask) -> None:
    make_corpus(app, 15, regions=["London"] * 15)
    make_corpus(app, 12, regions=["Midlands"] * 12)
    client = _client(app)
    response = submit(client, NEW, {"action": "check", "regions": ["London"], **SETTINGS})
    assert response.status_code == 200
    assert "15 answers match this selection" in text_of(response)
    assert _run_ids(app) == []


def test_the_form_refuses_a_corpus_too_small(app: Flask) -> None:
    make_corpus(app, 5)
    client = _client(app)
    response = submit(client, NEW, {"action": "start", **SETTINGS})
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "holds 5 answers" in page
    assert _run_ids(app) == []


def test_the_form_refuses_bad_settings(app: Flask) -> None:
    make_corpus(app, 20)
    client = _client(app)
    bad = {**SETTINGS, "min_themes": "6", "max_themes": "3", "seed": "x"}
    response = submit(client, NEW, {"action": "start", **bad})
    page = text_of(response)
    assert response.status_code == 200
    assert "The most themes must be at least the fewest themes" in page
    assert _run_ids(app) == []


def test_start_without_a_csrf_token_is_refused(app: Flask) -> None:
    make_corpus(app, 20)
    client = _client(app)
    response = client.post(NEW, data={"action": "start", **SETTINGS})
    assert response.status_code == 400
    assert _run_ids(app) == []


def test_start_a_run_and_follow_it_to_a_framework(app: Flask) -> None:
    make_corpus(app, 60)
    client = _client(app)
    response = submit(client, NEW, {"action": "start", **SETTINGS})
    assert response.status_code == 302
    (run_id,) = _run_ids(app)
    assert response.location == f"/themes/runs/{run_id}"
    page = client.get(response.location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html  # finished (inline jobs): no more refreshing
    assert "See the themes" in text_of(page)

    results = client.get(f"/themes/runs/{run_id}/results")
    text = text_of(results)
    assert "Themes, largest first" in text and "Answers in no theme" in text
    assert "Stability" in text and '"random_state": 3' in results.get_data(as_text=True)
    assert client.get("/themes/runs").status_code == 200

    made = submit(
        client,
        f"/themes/runs/{run_id}/results",
        {"name": "Spring themes"},
        action=f"/themes/runs/{run_id}/framework",
    )
    assert made.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Framework.name)).scalars().all() == ["Spring themes"]
    assert "Spring themes" in text_of(client.get(f"/themes/runs/{run_id}"))


def test_a_framework_needs_a_name(app: Flask) -> None:
    make_corpus(app, 40)
    client = _client(app)
    submit(client, NEW, {"action": "start", **SETTINGS})
    (run_id,) = _run_ids(app)
    response = submit(
        client,
        f"/themes/runs/{run_id}/results",
        {"name": "  "},
        action=f"/themes/runs/{run_id}/framework",
    )
    assert response.status_code == 200
    assert "Enter a name for the framework" in text_of(response)
    with app.app_context():
        assert db.session.execute(select(func.count(Framework.id))).scalar_one() == 0


def _queued_run(app: Flask, filters: CorpusFilters) -> int:
    """A run waiting for its job (as when an RQ worker has not picked it up yet)."""
    with app.app_context():
        run = ThemeRun(
            config={"engine": runs.RunSettings(n_themes=2).engine_params()},
            corpus_filters=runs.filters_to_dict(filters),
            corpus_size=30,
            progress=0.42,
            progress_message="clustering run 4 of 10",
        )
        db.session.add(run)
        db.session.commit()
        return run.id


def test_an_active_run_refreshes_and_shows_progress(app: Flask) -> None:
    run_id = _queued_run(app, CorpusFilters())
    client = _client(app)
    html = client.get(f"/themes/runs/{run_id}").get_data(as_text=True)
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', html)
    assert '<progress class="app-progress" id="run-progress" max="100" value="42"' in html
    assert "clustering run 4 of 10" in html
    # The results of an unfinished run are not there yet: back to its page.
    assert client.get(f"/themes/runs/{run_id}/results").location == f"/themes/runs/{run_id}"


def test_a_failed_run_shows_why_and_retries(app: Flask) -> None:
    run_id = _queued_run(app, CorpusFilters(regions=("South West",)))
    with app.app_context():
        assert runs.execute_run(run_id) == "failed"
    client = _client(app)
    page = client.get(f"/themes/runs/{run_id}")
    text = text_of(page)
    assert "The run failed" in text and "No answers matched" in text
    assert "Attempts so far: 1" in text
    assert "Traceback" not in text
    make_corpus(app, 30, regions=["South West"] * 30)
    response = submit(client, f"/themes/runs/{run_id}", {}, action=f"/themes/runs/{run_id}/retry")
    assert response.status_code == 302
    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        assert (run.status, run.attempts) == ("succeeded", 2)
    # A second retry of a finished run is refused with a message, not an error page.
    again = submit(
        client, f"/themes/runs/{run_id}", {}, action=f"/themes/runs/{run_id}/retry", follow=True
    )
    assert again.status_code == 200 and "Only a failed run" in text_of(again)


def test_reproduce_from_the_page(app: Flask) -> None:
    make_corpus(app, 40)
    client = _client(app)
    submit(client, NEW, {"action": "start", **SETTINGS})
    (first,) = _run_ids(app)
    response = submit(client, f"/themes/runs/{first}", {}, action=f"/themes/runs/{first}/reproduce")
    second = _run_ids(app)[-1]
    assert response.location == f"/themes/runs/{second}"
    assert f"Same result as run {first}" in text_of(client.get(f"/themes/runs/{second}/results"))


def test_unknown_runs_are_404(app: Flask) -> None:
    client = _client(app)
    assert client.get("/themes/runs/4242").status_code == 404
    assert client.get("/themes/runs/4242/results").status_code == 404
