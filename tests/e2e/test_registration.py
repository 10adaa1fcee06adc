"""Key journey: a participant registers, gets the e-mail, cancels from its link, and the
next person on the waiting list is promoted and e-mailed. Real Chromium, real SMTP."""

from __future__ import annotations

import re
from typing import Any

from icalendar import Calendar

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import LiveServer
from tests.smtp import SMTPServer
from tests.workshops.factories import group_id, make_event

LINK = re.compile(r"http://127\.0\.0\.1:\d+/events/registration/\S+")
JOIN = "https://meet.example.org/j/secret-join"


def _register(page: Any, base: str, title: str, name: str, email: str) -> None:
    page.goto(f"{base}/events/")
    page.get_by_role("link", name=title).click()
    page.get_by_role(
        "link", name=re.compile("Register for this event|Join the waiting list")
    ).click()
    page.get_by_label("Full name", exact=True).fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Organisation", exact=True).fill("Riverside University Hospitals NHS Trust")
    page.get_by_label("Job role", exact=True).fill("Health and Wellbeing Lead")
    page.get_by_label("Wellbeing lead", exact=True).check()
    page.get_by_label("Region").select_option("London")
    page.get_by_role("button", name=re.compile("^(Register|Join the waiting list)$")).click()
    page.wait_for_url(re.compile(r".*/events/registration/.*"))


def test_cancelling_promotes_the_next_person(
    live_server: LiveServer, e2e_smtp: SMTPServer, browser: Any, page: Any
) -> None:
    app = live_server.app
    group_id(app)  # the stakeholder groups people choose from
    make_event(app, capacity=1, title="Breakfast Club: data and digital")
    base = live_server.url

    _register(page, base, "Breakfast Club: data and digital", "Asha Patel", "asha@example.org")
    assert "Your place is confirmed" in page.content() and JOIN in page.content()

    other = browser.new_context(java_script_enabled=False)  # the form works without it
    waiting = other.new_page()
    _register(waiting, base, "Breakfast Club: data and digital", "Ben Okafor", "ben@example.org")
    assert "You are on the waiting list" in waiting.content()
    assert JOIN not in waiting.content()

    confirmation = e2e_smtp.wait_for("asha@example.org")[0]
    assert confirmation.subject.startswith("Place confirmed")
    ics = (
        confirmation.attachments()["event-1.ics"]
        if "event-1.ics" in confirmation.attachments()
        else next(iter(confirmation.attachments().values()))
    )
    assert (
        Calendar.from_ical(ics).walk("VEVENT")[0]["SUMMARY"] == "Breakfast Club: data and digital"
    )
    manage_link = LINK.search(confirmation.text()).group(0)

    # Asha opens the link from her e-mail in a fresh browser and gives up her place.
    mail_context = browser.new_context()
    from_mail = mail_context.new_page()
    from_mail.goto(manage_link)
    from_mail.get_by_role("link", name="Cancel my place").click()
    from_mail.get_by_role("button", name="Yes, cancel my registration").click()
    from_mail.wait_for_url(re.compile(r".*/events/registration/[^/]+$"))
    assert "Your registration has been cancelled" in from_mail.content()
    mail_context.close()

    promotion = next(
        m for m in e2e_smtp.wait_for("ben@example.org", count=2) if "You have a place" in m.subject
    )
    assert JOIN in promotion.text()
    waiting.goto(LINK.search(promotion.text()).group(0))
    assert "Confirmed" in waiting.content() and JOIN in waiting.content()
    ARTIFACTS.mkdir(exist_ok=True)
    waiting.screenshot(path=str(ARTIFACTS / "e2e-registration-promoted.png"), full_page=True)
    page.goto(manage_link)
    page.screenshot(path=str(ARTIFACTS / "e2e-registration-cancelled.png"), full_page=True)
    other.close()
