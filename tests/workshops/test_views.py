"""Public pages: the list, an event, registration, and the signed manage link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.workshops.links import manage_token
from ohwb_engage.workshops.models import Event, Registration
from tests.helpers import submit, text_of
from tests.workshops.factories import form_data, group_id, make_event, register_people

JOIN = "https://meet.example.org/j/secret-join"


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Registration.id))).scalar_one()


def _token(app: Flask, registration_id: int) -> str:
    with app.app_context():
        return manage_token(db.session.get_one(Registration, registration_id))


def test_the_list_shows_upcoming_published_events_by_kind(app: Flask, client) -> None:
    make_event(app, title="Breakfast with experts", kind="breakfast_club")
    make_event(app, title="Design day", kind="codesign_workshop")
    make_event(app, title="Secret draft", status="draft")
    make_event(app, title="Long gone", starts_in=timedelta(days=-3))
    page = text_of(client.get("/events/"))
    assert "Breakfast with experts" in page and "Design day" in page
    assert "Secret draft" not in page and "Long gone" not in page
    filtered = text_of(client.get("/events/?kind=codesign_workshop"))
    assert "Design day" in filtered and "Breakfast with experts" not in filtered
    assert client.get("/events/?kind=nonsense&page=zzz").status_code == 200


def test_drafts_and_unknown_events_are_404(app: Flask, client) -> None:
    draft = make_event(app, status="draft")
    for url in (f"/events/{draft}", f"/events/{draft}/register", "/events/987654/register"):
        response = client.get(url)
        assert response.status_code == 404 and "not published yet" in text_of(response)


def test_registering_confirms_and_opens_the_manage_page(app: Flask, client) -> None:
    event_id = make_event(app, capacity=1)
    group = group_id(app)
    response = submit(client, f"/events/{event_id}/register", form_data(1, group))
    assert response.status_code == 302
    assert re.match(r"^/events/registration/[^/]+\?new=1$", response.location)
    page = client.get(response.location)
    text = text_of(page)
    assert "Your place is confirmed" in text and JOIN in text
    assert page.headers["Cache-Control"] == "no-store"  # a personal page
    assert "calendar file (.ics)" in text


def test_a_full_event_waitlists_and_hides_the_join_link(app: Flask, client) -> None:
    event_id = make_event(app, capacity=1)
    register_people(app, event_id, 1)
    group = group_id(app)
    assert "join the waiting list" in text_of(client.get(f"/events/{event_id}")).lower()
    response = submit(client, f"/events/{event_id}/register", form_data(9, group))
    html = client.get(response.location).get_data(as_text=True)
    assert "You are on the waiting list" in html and "number <strong>1</strong>" in html
    assert "secret-join" not in html
    token = response.location.split("/")[-1].split("?")[0]
    ics = client.get(f"/events/registration/{token}/calendar.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert b"secret-join" not in ics.data and b"STATUS:TENTATIVE" in ics.data


def test_registering_twice_does_not_duplicate_or_reveal_the_link(app: Flask, client) -> None:
    event_id = make_event(app)
    group = group_id(app)
    submit(client, f"/events/{event_id}/register", form_data(1, group))
    again = submit(
        client, f"/events/{event_id}/register", form_data(1, group, email="PERSON1@example.org")
    )
    assert again.status_code == 200
    text = text_of(again)
    assert "already registered" in text and "/events/registration/" not in again.get_data(
        as_text=True
    )
    assert _count(app) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Enter an e-mail address in the correct format"),
        ({"email": ""}, "Enter your e-mail address"),
        ({"name": ""}, "Enter your full name"),
        ({"name": "x" * 121}, "Name must be 120 characters or fewer"),
        ({"organisation": "o" * 201}, "Organisation must be 200 characters or fewer"),
        ({"stakeholder_group": "987654"}, "Select the group that best describes you"),
        ({"stakeholder_group": "abc"}, "Select the group that best describes you"),
        ({"region": "Atlantis"}, "Not a valid choice"),
        ({"region": ""}, "Select your region"),
        ({"access_needs": "a" * 2001}, "Access needs must be 2,000 characters or fewer"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(
    app: Flask, client, changes: dict, message: str
) -> None:
    event_id = make_event(app)
    group = group_id(app)
    response = submit(client, f"/events/{event_id}/register", form_data(1, group, **changes))
    assert response.status_code == 200
    text = text_of(response)
    assert "There is a problem" in text and message in text
    assert text_of(response).startswith("Error:") or "<title>Error:" in response.get_data(
        as_text=True
    )
    assert _count(app) == 0


def test_closed_events_say_so_and_save_nothing(app: Flask, client) -> None:
    event_id = make_event(app, registration_closes_at=utcnow() - timedelta(hours=1))
    group = group_id(app)
    page = text_of(client.get(f"/events/{event_id}/register"))
    assert "Registration for this event has closed" in page and "Full name" not in page
    # The page has no form now; a token from another page stands in for a stale tab.
    response = submit(client, "/login", form_data(1, group), action=f"/events/{event_id}/register")
    assert "has closed" in text_of(response) and _count(app) == 0
    cancelled = make_event(app, status="cancelled", cancellation_reason="Moved to May.")
    assert "Moved to May." in text_of(client.get(f"/events/{cancelled}"))


def test_invite_only_events_ask_for_the_code(app: Flask, client) -> None:
    event_id = make_event(app, audience="invite", invite_codes=("PILOT-1",))
    group = group_id(app)
    html = client.get(f"/events/{event_id}/register?code=PILOT-1").get_data(as_text=True)
    assert 'value="PILOT-1"' in html
    wrong = submit(client, f"/events/{event_id}/register", form_data(1, group, invite_code="NOPE"))
    assert "This invitation code is not right" in text_of(wrong) and _count(app) == 0
    right = submit(
        client, f"/events/{event_id}/register", form_data(1, group, invite_code="pilot-1")
    )
    assert right.status_code == 302 and _count(app) == 1


def test_tampered_and_expired_links_are_refused(app: Flask, client) -> None:
    event_id = make_event(app)
    (rid,) = register_people(app, event_id, 1)
    token = _token(app, rid)
    tampered = client.get(f"/events/registration/{token[:-3]}abc")
    assert tampered.status_code == 400 and "not valid" in text_of(tampered)
    assert client.post(f"/events/registration/{token}x/cancel").status_code in (400,)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(days=100),
            utcnow() - timedelta(days=99),
        )
        db.session.commit()
    expired = client.get(f"/events/registration/{token}")
    assert expired.status_code == 410 and "expired" in text_of(expired)


def test_cancelling_from_the_manage_link_promotes_the_next_person(app: Flask, client) -> None:
    event_id = make_event(app, capacity=1)
    first, second = register_people(app, event_id, 2)
    token = _token(app, first)
    confirm = text_of(client.get(f"/events/registration/{token}/cancel"))
    assert "Cancel your place?" in confirm
    response = submit(client, f"/events/registration/{token}/cancel", {}, follow=True)
    assert "Your registration has been cancelled" in text_of(response)
    with app.app_context():
        assert db.session.get_one(Registration, second).status == "confirmed"
    assert "Register again" in text_of(client.get(f"/events/registration/{token}"))


def test_updating_details_from_the_manage_link(app: Flask, client) -> None:
    event_id = make_event(app)
    (rid,) = register_people(app, event_id, 1)
    token = _token(app, rid)
    group = group_id(app, "Academic")
    page = f"/events/registration/{token}/details"
    bad = submit(client, page, {**form_data(1, group), "name": ""})
    assert "Enter your full name" in text_of(bad)
    done = submit(client, page, {**form_data(1, group), "name": "Dr New Name"}, follow=True)
    assert "Your details have been updated" in text_of(done) and "Dr New Name" in text_of(done)
    with app.app_context():
        row = db.session.get_one(Registration, rid)
        assert row.stakeholder_group.name == "Academic" and row.email == "person0@example.org"


def test_checking_in_with_the_code_on_screen(app: Flask, client) -> None:
    event_id = make_event(app, starts_in=timedelta(minutes=10))
    (rid,) = register_people(app, event_id, 1)
    with app.app_context():
        db.session.get_one(Event, event_id).checkin_code = "K7P2QX"
        db.session.commit()
    page = f"/events/{event_id}/check-in"
    wrong = submit(client, page, {"code": "AAAAAA", "email": "person0@example.org"})
    assert "check-in code is not right" in text_of(wrong)
    stranger = submit(client, page, {"code": "K7P2QX", "email": "who@example.org"})
    assert "does not have a confirmed place" in text_of(stranger)
    done = submit(client, page, {"code": "k7p2qx", "email": "person0@example.org"})
    assert "You are checked in" in text_of(done)
    token = _token(app, rid)
    assert "Checked in at" in text_of(client.get(f"/events/registration/{token}"))


def test_forms_without_a_csrf_token_are_refused(app: Flask, client) -> None:
    event_id = make_event(app)
    response = client.post(f"/events/{event_id}/register", data=form_data(1, group_id(app)))
    assert response.status_code == 400 and _count(app) == 0


@pytest.mark.parametrize("config_overrides", [{"PUBLIC_POST_RATE_LIMIT": "2 per minute"}])
def test_registration_posts_are_rate_limited(app: Flask, client) -> None:
    event_id = make_event(app)
    group = group_id(app)
    statuses = [
        submit(client, f"/events/{event_id}/register", form_data(i, group)).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_registering_without_the_pages_csrf_token_is_refused_and_saves_nothing(
    app: Flask, client
) -> None:
    """The form does not check the token itself: CSRFProtect does, before the view."""
    event_id = make_event(app)
    data = form_data(1, group_id(app))
    client.get(f"/events/{event_id}/register")  # a session, as a browser would have
    missing = client.post(f"/events/{event_id}/register", data=data)
    forged = client.post(f"/events/{event_id}/register", data={**data, "csrf_token": "forged"})
    assert missing.status_code == forged.status_code == 400
    assert "problem with your request" in text_of(forged)
    assert _count(app) == 0
    page = client.get(f"/events/{event_id}/register").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value="[^"]+"', page)
    assert submit(client, f"/events/{event_id}/register", data).status_code == 302
    assert _count(app) == 1
