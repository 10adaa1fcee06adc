"""Key journey: an analyst publishes the draft strategy, downloads it as DOCX (opened with
python-docx), invites a reviewer who comments through their link, and resolves the comment."""

from __future__ import annotations

import re
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, make_staff
from tests.roadmap.strategy_factories import make_strategy_world
from tests.smtp import SMTPServer

pytestmark = pytest.mark.e2e


def test_publish_export_review_and_resolve(
    live_server: LiveServer, e2e_smtp: SMTPServer, page: Any, tmp_path
) -> None:
    world = make_strategy_world(live_server.app)
    make_staff(live_server.app, "analyst", email="aled@example.org", name="Aled Morgan")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill("aled@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/staff$"))

    page.get_by_role("link", name="Draft strategy").first.click()
    page.get_by_role("link", name="MSK programme").click()
    page.get_by_role("button", name="Publish as version 1").click()
    page.wait_for_url(re.compile(r".*/roadmap/strategy/versions/\d+$"))
    expect(page.locator("body")).to_contain_text("Version 1 published")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download version 1 as a Word document (DOCX)").click()
    download = download_info.value
    assert download.suggested_filename == "msk-programme-draft-strategy-v1.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    opened = Document(str(path))
    level1 = [p.text for p in opened.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["MSK and physio", "Line managers", "Roadmap timeline", "Appendix: methods"]
    answers = [
        {r.cells[0].text: r.cells[1].text for r in t.rows}["Answers"] for t in opened.tables[:2]
    ]
    assert answers == ["3", "2"]

    page.goto(f"{live_server.url}/roadmap/programmes/{world['programme']}/strategy/reviewers")
    page.get_by_label("Full name").fill("Dr Ada Shah")
    page.get_by_label("E-mail address").fill("ada@example.org")
    page.get_by_label("National expert").check()
    page.get_by_role("button", name="Send review link").click()
    expect(page.locator("body")).to_contain_text("Review link sent to Dr Ada Shah")
    mail = e2e_smtp.wait_for("ada@example.org")[0]
    link = re.search(r"http://127\.0\.0\.1:\d+/roadmap/review/\S+", mail.text()).group(0)

    reviewer = page.context.browser.new_context().new_page()
    reviewer.goto(link)
    # The visually hidden part names the section for screen readers.
    reviewer.get_by_role(
        "link", name=re.compile(r"Comment on this section\W+MSK and physio")
    ).click()
    assert reviewer.get_by_role(
        "radio", name="MSK and physio"
    ).is_checked()  # chosen by the link, no JS
    reviewer.get_by_label("Your comment").fill("Add the national waiting times.")
    reviewer.get_by_role("button", name="Send comment").click()
    expect(reviewer.locator("body")).to_contain_text("Your comment has been sent")
    reviewer.goto(f"{live_server.url}/roadmap/strategy/")
    assert "/login" in reviewer.url  # the link opens the draft, never the staff pages

    page.goto(f"{live_server.url}/roadmap/strategy/versions/1")
    expect(page.locator("body")).to_contain_text("Add the national waiting times.")
    page.get_by_label("Resolution note").fill("Added to version 2.")
    page.get_by_role("button", name="Resolve comment").click()
    expect(page.locator("body")).to_contain_text("Comment resolved.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-strategy-comment-resolved.png"), full_page=True)
