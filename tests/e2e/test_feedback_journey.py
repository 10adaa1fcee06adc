"""Key journey: a participant answers a two-page questionnaire from a personal link, comes
back to change an answer, and the facilitator sees the changed answer in the results."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import TWO_PAGES, make_invitation, make_questionnaire


def test_participant_answers_returns_to_edit_and_facilitator_sees_it(
    live_server: LiveServer, page: Any, browser: Any
) -> None:
    app = live_server.app
    facilitator = make_staff(app, "facilitator", name="Fiona Hughes")
    qid = make_questionnaire(
        app, facilitator, pages=TWO_PAGES, open_link=False, title="Wellbeing support: your view"
    )
    _, path = make_invitation(app, qid, "participant@example.org")
    link = live_server.url + path

    page.goto(link)
    assert "Page 1 of 2" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-feedback-page-1.png"), full_page=True)
    page.get_by_label("What works well for staff wellbeing where you work?").fill(
        "Self-referral to physio within a week."
    )
    page.get_by_label("4 - Good").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*page=2$"))
    page.get_by_label("Mental health").check()
    page.get_by_label("Counselling").check()
    page.get_by_label("OH lead").check()
    page.get_by_label("I agree that my answers can be used").check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r".*/thanks$"))
    assert "Your answers have been saved" in page.content()
    page.screenshot(path=str(ARTIFACTS / "e2e-feedback-thanks.png"), full_page=True)

    # Later, from the same link: the answers are there to change.
    page.get_by_role("link", name="change your answers").click()
    page.get_by_text("You answered this on").wait_for()  # the click does not wait for the load
    answer = page.get_by_label("What works well for staff wellbeing where you work?")
    assert answer.input_value() == "Self-referral to physio within a week."
    answer.fill("Self-referral to physio within a week, and the new night clinic.")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*page=2$"))
    assert page.get_by_label("Mental health").is_checked()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r".*/thanks$"))

    staff = browser.new_context()
    results = staff.new_page()
    results.goto(f"{live_server.url}/login")
    results.get_by_label("E-mail address").fill(email_of(app, facilitator))
    results.get_by_label("Password").fill(PASSWORD)
    results.get_by_role("button", name="Sign in").click()
    results.wait_for_url(re.compile(r".*/staff$"))
    results.goto(f"{live_server.url}/feedback/{qid}/results")
    content = results.content()
    assert "Response rate: 1 of 1 invited, 100%" in content
    assert "and the new night clinic." in content
    assert "Self-referral to physio within a week." not in content.replace(
        "Self-referral to physio within a week, and", ""
    )
    assert results.locator("svg.app-chart").count() >= 2
    results.screenshot(path=str(ARTIFACTS / "e2e-feedback-results.png"), full_page=True)
    staff.close()


def test_answering_works_without_javascript(live_server: LiveServer, browser: Any) -> None:
    app = live_server.app
    facilitator = make_staff(app, "facilitator")
    qid = make_questionnaire(app, facilitator, pages=TWO_PAGES, open_link=False)
    _, path = make_invitation(app, qid, "nojs@example.org")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Save and continue").click()  # nothing answered
    page.get_by_text("There is a problem").wait_for()
    assert "Enter an answer to" in page.content()
    page.get_by_label("What works well for staff wellbeing where you work?").fill("Peer support")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*page=2$"))
    context.close()
