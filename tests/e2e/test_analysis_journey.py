"""Key journey (issue 6): an analyst runs themes on the demo corpus, merges two themes, links
a roadmap item to the merged theme, and exports the draft strategy as a Word document whose
section and evidence counts match the live framework."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from docx import Document
from sqlalchemy import func, select

from ohwb_engage import demo
from ohwb_engage.extensions import db
from ohwb_engage.roadmap.models import Programme
from ohwb_engage.themes.evidence import evidence_for
from ohwb_engage.themes.models import RunStatus, Theme, ThemeRun
from tests.conftest import ARTIFACTS
from tests.e2e.conftest import LiveServer

RUN_TIMEOUT = 240  # seconds; a shared 2-core CI box under load


def _seed_demo_corpus(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff, events and the feedback demo's answers: the corpus, not its analysis."""
    monkeypatch.setattr(
        demo, "FEATURE_SEEDERS", ["ohwb_engage.workshops.demo", "ohwb_engage.feedback.demo"]
    )
    with live_server.app.app_context():
        demo.seed_demo()
        db.session.remove()


def _sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("E-mail address").fill("analyst@example.org")
    page.get_by_label("Password").fill("demo-analyst-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _wait_for_run(live_server: LiveServer, page: Any) -> None:
    """The run page refreshes itself while the job works; the test waits on the run's row."""
    run_id = int(re.search(r"/themes/runs/(\d+)", page.url).group(1))
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        with live_server.app.app_context():
            run = db.session.get(ThemeRun, run_id)
            status, progress, error = run.status, run.progress, run.error
            db.session.remove()
        if status == RunStatus.SUCCEEDED.value:
            break
        assert status != RunStatus.FAILED.value, error
        if time.monotonic() > deadline:
            pytest.fail(f"run {run_id} still {status} at {progress:.0%} after {RUN_TIMEOUT} s")
        time.sleep(1)
    page.goto(f"{live_server.url}/themes/runs/{run_id}/results")


def test_answers_to_themes_to_roadmap_to_word_document(
    live_server: LiveServer, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_demo_corpus(live_server, monkeypatch)
    url = live_server.url
    _sign_in(page, url)

    # 1. Run themes over every answer of the demo corpus, with six themes.
    page.goto(f"{url}/themes/runs/new")
    page.get_by_label("Number of themes (optional)").fill("6")
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_load_state()
    _wait_for_run(live_server, page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-analysis-run.png"), full_page=True)
    page.get_by_label("Name of the framework").fill("Demo KLOE themes")
    page.get_by_role("button", name="Create framework from this run").click()
    page.wait_for_url(re.compile(r".*/themes/frameworks/\d+$"))
    framework_id = int(page.url.rsplit("/", 1)[1])

    with live_server.app.app_context():
        themes = db.session.execute(
            select(Theme.id, Theme.name)
            .where(Theme.framework_id == framework_id)
            .order_by(Theme.position)
        ).all()
        db.session.remove()
    assert len(themes) == 6
    (keep_id, keep_name), (gone_id, gone_name) = themes[0], themes[1]

    # 2. Merge the second theme into the first.
    page.goto(f"{url}/themes/frameworks/{framework_id}/themes/{keep_id}/edit")
    page.get_by_label(gone_name, exact=True).check()
    page.get_by_role("button", name=f"Merge into {keep_name}").click()
    page.wait_for_load_state()
    with live_server.app.app_context():
        left = db.session.execute(
            select(func.count()).select_from(Theme).where(Theme.framework_id == framework_id)
        ).scalar_one()
        assert db.session.get(Theme, gone_id) is None
        db.session.remove()
    assert left == 5

    # The merged theme is a priority: it gets its own section in the strategy.
    page.goto(f"{url}/themes/frameworks/{framework_id}/themes/{keep_id}")
    page.get_by_role("button", name=re.compile("Mark as a priority")).click()
    page.wait_for_load_state()

    # 3. A programme on the framework, and a roadmap item supported by the merged theme.
    page.goto(f"{url}/roadmap/new")
    page.get_by_label("Programme title").fill("Healthy workforce 2027")
    page.get_by_label("Reviewed framework").select_option(label="Demo KLOE themes")
    page.get_by_role("button", name=re.compile("Save|Create")).click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Add an item").first.click()
    page.get_by_label("Title").fill("Fund self-referral to OH for every NHS employer")
    page.get_by_label("0 to 12 months").check()
    page.get_by_label("Agreed").check()
    page.get_by_label("Progress, per cent").fill("20")
    page.get_by_label(keep_name, exact=True).check()
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    page.wait_for_load_state()
    assert "Fund self-referral to OH" in page.content()
    with live_server.app.app_context():
        programme_id = db.session.execute(
            select(Programme.id).where(Programme.title == "Healthy workforce 2027")
        ).scalar_one()
        db.session.remove()

    # 4. Export the working draft of the strategy as DOCX and read it back.
    page.goto(f"{url}/roadmap/programmes/{programme_id}/strategy")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Word document")).first.click()
    path = download_info.value.path()
    document = Document(str(path))
    page.screenshot(path=str(ARTIFACTS / "e2e-analysis-strategy.png"), full_page=True)

    with live_server.app.app_context():
        evidence = evidence_for([keep_id])
        db.session.remove()
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any(keep_name in heading for heading in headings), headings
    assert not any(gone_name == heading for heading in headings)
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert evidence.answers > 0
    assert str(evidence.answers) in text
    assert "Fund self-referral to OH for every NHS employer" in text
