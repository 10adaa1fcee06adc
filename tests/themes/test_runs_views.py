"""Theme run pages: who may use them, the check button, starting, progress, retry, results."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import Framework, ThemeRun
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login, submit, text_of
from tests.themes.runs_factories import busy_runner, make_corpus

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
        framework = db.session.execute(select(Framework)).scalar_one()
        assert framework.name == "Spring themes"
    # Straight to the review workspace, which shows the run's themes.
    assert made.location == f"/themes/frameworks/{framework.id}"
    assert client.get(made.location).status_code == 200
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
    # Those who need a still page can stop the refreshing (WCAG 2.2.1).
    still = client.get(f"/themes/runs/{run_id}?refresh=off").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in still and 'value="42"' in still
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
    results = client.get(f"/themes/runs/{second}/results")
    assert f"Same result as run {first}" in text_of(results)
    compare = f"/themes/runs/compare?a={first}&amp;b={second}"
    assert compare in results.get_data(as_text=True)
    assert client.get(compare.replace("&amp;", "&")).status_code == 200


def test_unknown_runs_are_404(app: Flask) -> None:
    client = _client(app)
    assert client.get("/themes/runs/4242").status_code == 404
    assert client.get("/themes/runs/4242/results").status_code == 404


def test_mapping_runs_belong_to_the_workspace_not_here(app: Flask) -> None:
    with app.app_context():
        mapping = ThemeRun(kind="map", status="failed", config={"random_state": 0})
        db.session.add(mapping)
        db.session.commit()
        run_id = mapping.id
        assert runs.execute_run(run_id) == "skipped"
    client = _client(app)
    assert f"/themes/runs/{run_id}" not in client.get("/themes/runs").get_data(as_text=True)
    assert client.get(f"/themes/runs/{run_id}").status_code == 404
    response = submit(client, "/themes/runs", {}, action=f"/themes/runs/{run_id}/retry")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ThemeRun, run_id).status == "failed"  # untouched


def test_with_no_answers_at_all_the_page_says_so(app: Flask) -> None:
    client = _client(app)
    assert client.get(NEW).status_code == 200
    response = submit(client, NEW, {"action": "start", **SETTINGS})
    assert response.status_code == 200
    assert "No answers match this selection" in text_of(response)
    assert "0 answers match this selection" in text_of(response)
    assert "No theme runs yet" in text_of(client.get("/themes/runs"))


def test_tampered_or_malformed_input_gets_messages_not_errors(app: Flask) -> None:
    make_corpus(app, 20)
    client = _client(app)
    bad = {**SETTINGS, "questionnaires": "abc", "regions": "Atlantis", "date_from": "31/31/2025",
           "n_themes": "999", "action": "start"}  # fmt: skip
    response = submit(client, NEW, bad)
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "The number of themes must be" in page
    assert _run_ids(app) == []


@pytest.mark.parametrize("config_overrides", [{"JOBS_MODE": "thread"}])
def test_the_run_page_follows_a_background_run_across_reloads(app: Flask) -> None:
    import time

    make_corpus(app, 60)
    client = _client(app)
    response = submit(client, NEW, {"action": "start", **SETTINGS})
    page_url = response.location
    pages = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        html = client.get(page_url).get_data(as_text=True)  # a reload, as the meta refresh does
        pages.append(html)
        if "See the themes" in html or "The run failed" in html:
            break
        time.sleep(0.1)
    assert "See the themes" in pages[-1]
    in_progress = [p for p in pages if '<progress class="app-progress"' in p]
    assert in_progress and all('http-equiv="refresh"' in p for p in in_progress)
    assert 'http-equiv="refresh"' not in pages[-1]


@pytest.mark.parametrize(
    "config_overrides",
    [{"JOBS_MODE": "thread", "JOBS_ALLOWED_MODULES": ["ohwb_engage.", "tests."]}],
)
def test_the_start_form_sent_twice_without_javascript_starts_one_run(app: Flask) -> None:
    make_corpus(app, 40)
    client = _client(app)
    with busy_runner(app):  # the first run is still waiting when the second click lands
        first = submit(client, NEW, {"action": "start", **SETTINGS})
        second = submit(client, NEW, {"action": "start", **SETTINGS})
        assert first.status_code == second.status_code == 302
        assert first.location == second.location
        assert len(_run_ids(app)) == 1
    (run_id,) = _run_ids(app)
    assert first.location == f"/themes/runs/{run_id}"
