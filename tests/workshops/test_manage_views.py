"""Staff pages: who sees what, creating in UK time, capacity rules in the form, exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.workshops.models import Event, Registration
from tests.factories import PASSWORD, email_of, make_staff
from tests.helpers import login, submit, text_of
from tests.workshops.factories import form_data, group_id, make_event, register_people


def _signed_in(app: Flask, role: str) -> tuple[object, int]:
    user_id = make_staff(app, role)
    client = app.test_client()
    assert login(client, email_of(app, user_id), PASSWORD).status_code == 302
    return client, user_id


def _event_form(**changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Co-design workshop: night workers",
        "kind": "codesign_workshop",
        "summary": "**Bring** your ideas.",
        "day": "2030-07-02",
        "start_time": "10:00",
        "end_time": "12:30",
        "join_url": "https://meet.example.org/j/abc",
        "venue": "",
        "capacity": "40",
        "waitlist_enabled": "y",
        "audience": "open",
        "series_id": "",
        "registration_opens_at": "",
        "registration_closes_at": "2030-07-01T17:00",
    }
    data.update(changes)
    return data


def test_a_facilitator_creates_an_event_in_uk_time(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    response = submit(client, "/events/manage/new", {**_event_form(), "facilitators": [user_id]})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        # 10:00 in London in July is 09:00 UTC (British Summer Time).
        assert event.starts_at == datetime(2030, 7, 2, 9, 0, tzinfo=UTC)
        assert event.registration_closes_at == datetime(2030, 7, 1, 16, 0, tzinfo=UTC)
        assert event.status == "draft" and [u.id for u in event.facilitators] == [user_id]
        event_id = event.id
    page = text_of(client.get(f"/events/manage/{event_id}"))
    assert "Tuesday 2 July 2030, 10:00am to 12:30pm" in page
    published = submit(
        client,
        f"/events/manage/{event_id}",
        {},
        action=f"/events/manage/{event_id}/publish",
        follow=True,
    )
    assert "Event published" in text_of(published)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "09:00"}, "The end time must be after the start time"),
        ({"day": "2030-13-45"}, "Not a valid date value"),
        ({"join_url": "meet dot example"}, "starting with https://"),
        ({"capacity": "-3"}, "Enter a capacity from 0 to 100,000"),
        ({"title": ""}, "Enter a title"),
        ({"day": "2030-03-31", "start_time": "01:30", "end_time": "03:00"}, "clocks go forward"),
        ({"registration_closes_at": "2030-07-03T09:00"}, "close before the event ends"),
    ],
)
def test_event_form_problems_are_explained(app: Flask, changes: dict, message: str) -> None:
    client, user_id = _signed_in(app, "facilitator")
    response = submit(
        client, "/events/manage/new", {**_event_form(**changes), "facilitators": [user_id]}
    )
    assert response.status_code == 200
    assert message in text_of(response) and "There is a problem" in text_of(response)
    with app.app_context():
        assert db.session.execute(select(Event)).first() is None


def test_capacity_cannot_go_below_places_given_and_the_page_says_why(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(app, capacity=3, facilitator_ids=(user_id,))
    register_people(app, event_id, 3)
    page = f"/events/manage/{event_id}/edit"
    form = text_of(client.get(page))
    assert "it cannot go below 3: nobody is moved off the event" in form
    with app.app_context():
        title = db.session.get_one(Event, event_id).title
    response = submit(
        client, page, {**_event_form(capacity="2", title=title), "facilitators": [user_id]}
    )
    assert "3 people already have a place, so capacity cannot be less than 3" in text_of(response)
    with app.app_context():
        assert db.session.get_one(Event, event_id).capacity == 3


def test_facilitators_see_only_their_own_registrants(app: Flask) -> None:
    client, _ = _signed_in(app, "facilitator")
    owner = make_staff(app, "facilitator")
    event_id = make_event(app, facilitator_ids=(owner,))
    register_people(app, event_id, 2)
    for path in ("registrants", "registrants.csv", "attendance", "edit", "message", "agenda"):
        assert client.get(f"/events/manage/{event_id}/{path}").status_code == 403, path
    overview = client.get(f"/events/manage/{event_id}")
    assert overview.status_code == 200 and "Only its facilitators" in text_of(overview)
    assert "person0@example.org" not in overview.get_data(as_text=True)
    assert client.get(f"/events/manage/{event_id}/report").status_code == 200


def test_analysts_read_reports_but_not_personal_data(app: Flask) -> None:
    client, _ = _signed_in(app, "analyst")
    event_id = make_event(app)
    register_people(app, event_id, 2)
    assert client.get(f"/events/manage/{event_id}/registrants").status_code == 403
    assert client.get(f"/events/manage/{event_id}/registrants.csv").status_code == 403
    assert client.get("/events/manage/new").status_code == 403
    report = client.get(f"/events/manage/{event_id}/report")
    assert report.status_code == 200 and "<svg" in report.get_data(as_text=True)
    assert "person0@example.org" not in report.get_data(as_text=True)
    reach = client.get("/events/manage/reach?from=not-a-date")
    text = text_of(reach)
    assert reach.status_code == 200 and "2 people engaged" in text.replace(",", "")
    assert "Enter dates like 2026-03-27" in text
    assert "Events" in text_of(client.get("/events/manage/"))


def test_admins_export_registrants_as_safe_csv_and_it_is_audited(app: Flask) -> None:
    client, admin = _signed_in(app, "admin")
    event_id = make_event(app, capacity=1)
    register_people(app, event_id, 2)
    with app.app_context():
        db.session.execute(select(Registration)).scalars().first().name = "=cmd|' /C calc'!A0"
        db.session.commit()
    response = client.get(f"/events/manage/{event_id}/registrants.csv?status=confirmed")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0].startswith("'=")
    with app.app_context():
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "event.registrants_exported")
        ).scalar_one()
        assert entry.actor_id == admin and entry.details == {"rows": 1}
    listing = text_of(client.get(f"/events/manage/{event_id}/registrants?status=waitlisted"))
    assert "Person 1" in listing and "number 1" in listing and "Person 0" not in listing


def test_marking_attendance_in_bulk(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(
        app, capacity=5, facilitator_ids=(user_id,), starts_in=timedelta(minutes=-30)
    )
    with app.app_context():
        db.session.get_one(Event, event_id).starts_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    from ohwb_engage.workshops.models import Registration as R

    with app.app_context():
        for i in range(3):
            db.session.add(
                R(event_id=event_id, email=f"p{i}@example.org", name=f"P {i}", status="confirmed")
            )
        db.session.commit()
        ids = list(db.session.execute(select(R.id).order_by(R.id)).scalars())
    page = f"/events/manage/{event_id}/attendance"
    nothing = submit(client, page, {"action": "attended"})
    assert "Select at least one person" in text_of(nothing)
    done = submit(client, page, {"registrations": ids[:2], "action": "attended"}, follow=True)
    assert "Attendance saved: 2 changed" in text_of(done)
    pasted = submit(
        client,
        page,
        {"list-addresses": "P2@example.org; x@example.org"},
        action=f"{page}/list",
        follow=True,
    )
    assert "1 marked as attended" in text_of(pasted) and "1 addresses had no confirmed" in text_of(
        pasted
    )
    with app.app_context():
        assert db.session.execute(select(R.attended_at.is_not(None))).scalars().all() == [True] * 3
    submit(client, page, {"registrations": ids, "action": "absent"})
    everyone = submit(client, page, {"everyone": "y", "action": "attended"}, follow=True)
    assert "Attendance saved: 3 changed" in text_of(everyone)


def test_cancelling_an_event_from_the_page_tells_everyone(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(app, capacity=1, facilitator_ids=(user_id,))
    register_people(app, event_id, 2)
    page = f"/events/manage/{event_id}/cancel"
    assert "We will e-mail all 2 people" in text_of(client.get(page))
    done = submit(client, page, {"reason": "Speaker unwell."}, follow=True)
    assert "Event cancelled. 2 registrants have been e-mailed." in text_of(done)
    with app.app_context():
        sent = (
            db.session.execute(
                select(OutboxMessage).where(OutboxMessage.category == "event_cancelled")
            )
            .scalars()
            .all()
        )
        assert len(sent) == 2 and "Speaker unwell." in sent[0].body_text
    assert "has been cancelled" in text_of(client.get(f"/events/{event_id}"))


def test_staff_cancel_on_someones_behalf_and_the_next_person_moves_up(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(app, capacity=1, facilitator_ids=(user_id,))
    first, second = register_people(app, event_id, 2)
    page = f"/events/manage/{event_id}/registrants/{first}"
    done = submit(client, page, {}, follow=True)
    assert "Person 1 moved up from the waiting list" in text_of(done)
    with app.app_context():
        assert db.session.get_one(Registration, second).status == "confirmed"
        assert (
            db.session.execute(
                select(AuditEntry.action).where(AuditEntry.actor_id == user_id)
            ).scalar_one()
            == "registration.cancel"
        )
    other_event = make_event(app, facilitator_ids=(user_id,))
    assert client.get(f"/events/manage/{other_event}/registrants/{first}").status_code == 404


def test_messages_agenda_speakers_codes_and_the_check_in_code(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(app, facilitator_ids=(user_id,))
    register_people(app, event_id, 1)
    base = f"/events/manage/{event_id}"
    sent = submit(
        client,
        f"{base}/message",
        {"audiences": ["confirmed"], "subject": "Slides", "body": "Here."},
        follow=True,
    )
    assert "Message sent to 1 people" in text_of(sent) and "Slides" in text_of(sent)
    agenda = submit(
        client, f"{base}/agenda", {"at": "", "title": "Welcome", "details": ""}, follow=True
    )
    assert "Agenda saved" in text_of(agenda) and "Welcome" in text_of(agenda)
    bad = submit(client, f"{base}/speakers", {"name": "Dr X", "slides_url": "not a url"})
    assert "starting with https://" in text_of(bad)
    speaker = submit(
        client,
        f"{base}/speakers",
        {"name": "Dr X", "talk_title": "Evidence", "slides_url": "https://s.example.org/x"},
        follow=True,
    )
    assert "Speaker saved" in text_of(speaker)
    assert "Evidence" in text_of(client.get(f"/events/{event_id}"))
    code = submit(
        client, f"{base}/invite-codes", {"code": "pilot-2026", "label": "Pilots"}, follow=True
    )
    assert "Code PILOT-2026 added" in text_of(code)
    clash = submit(client, f"{base}/invite-codes", {"code": "PILOT-2026"})
    assert "already has that code" in text_of(clash)
    shown = submit(client, f"{base}/check-in-code", {}, follow=True)
    with app.app_context():
        code_now = db.session.get_one(Event, event_id).checkin_code
    assert code_now and code_now in text_of(shown)


def test_series_and_cohorts(app: Flask) -> None:
    client, _ = _signed_in(app, "facilitator")
    created = submit(
        client,
        "/events/manage/series/",
        {"title": "CoP pilots", "kind": "cohort", "summary": ""},
        follow=True,
    )
    assert "“CoP pilots” created" in text_of(created)
    from ohwb_engage.workshops.models import EventSeries

    with app.app_context():
        series_id = db.session.execute(select(EventSeries.id)).scalar_one()
    page = f"/events/manage/series/{series_id}"
    added = submit(
        client,
        page,
        {
            "member-organisation": "Riverside Trust",
            "member-region": "London",
            "member-role": "Pilot site",
        },
        action=f"{page}/members",
        follow=True,
    )
    assert "Member added" in text_of(added) and "Riverside Trust" in text_of(added)
    again = submit(
        client, page, {"member-organisation": "riverside trust"}, action=f"{page}/members"
    )
    assert "already a member" in text_of(again)
    assert "Riverside Trust" in text_of(client.get(f"/events/series/{series_id}"))


def test_staff_preview_a_draft_that_the_public_cannot_see(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(
        app, status="draft", title="Night workers co-design", facilitator_ids=(user_id,)
    )
    assert app.test_client().get(f"/events/{event_id}").status_code == 404
    page = client.get(f"/events/manage/{event_id}/preview")
    assert page.status_code == 200
    text = text_of(page)
    assert "Night workers co-design" in text and "Preview" in text
    assert "nobody else can see it until it is published" in text
    assert "Registration opens here once the event is published." in text
    assert f"/events/{event_id}/register" not in page.text  # no way to register a draft
    assert "no-store" in page.headers["Cache-Control"]
    overview = client.get(f"/events/manage/{event_id}")
    assert f"/events/manage/{event_id}/preview" in overview.text


def test_a_published_preview_shows_the_register_button(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(app, facilitator_ids=(user_id,))
    page = client.get(f"/events/manage/{event_id}/preview")
    assert page.status_code == 200
    assert f"/events/{event_id}/register" in page.text
    assert "nobody else can see it" not in text_of(page)
    assert client.get("/events/manage/987654/preview").status_code == 404


def _added(app: Flask, event_id: int) -> list[Registration]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Registration).where(Registration.event_id == event_id)
            ).scalars()
        )


def test_a_facilitator_adds_someone_by_hand_past_the_window_and_the_invitation(
    app: Flask,
) -> None:
    client, user_id = _signed_in(app, "facilitator")
    event_id = make_event(
        app,
        capacity=1,
        facilitator_ids=(user_id,),
        audience="invite",
        invite_codes=("COP-1",),
        registration_closes_at=utcnow() - timedelta(hours=1),
    )
    page = f"/events/manage/{event_id}/registrants/new"
    group = group_id(app)
    data = form_data("phone", group, told_privacy="y")
    missing = submit(client, page, {**data, "told_privacy": ""})
    assert missing.status_code == 200
    assert "Confirm you have told them how we use their information" in text_of(missing)
    assert _added(app, event_id) == []  # nothing saved from a refused form

    added = submit(client, page, data, follow=True)
    assert "Person phone has a place and has been e-mailed their confirmation." in text_of(added)
    with app.app_context():
        (registration,) = _added(app, event_id)
        assert registration.status == "confirmed"
        message = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_address == "personphone@example.org")
        ).scalar_one()
        assert "Your place is confirmed" in message.body_text
        audit = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "registration.add")
        ).scalar_one()
        assert audit.actor_id == user_id

    again = submit(client, page, data, follow=True)
    assert "was already registered for this event: nothing has changed." in text_of(again)
    full = submit(client, page, form_data("walk-in", group, told_privacy="y"), follow=True)
    assert "The event is full: Person walk-in is number 1 on the waiting list." in text_of(full)
    with app.app_context():
        sent = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_address == "personphone@example.org")
        ).scalars()
        assert len(list(sent)) == 1  # the repeat did not e-mail them again
        assert sorted(r.status for r in _added(app, event_id)) == ["confirmed", "waitlisted"]


def test_nobody_is_added_by_hand_to_a_draft_or_by_another_facilitator(app: Flask) -> None:
    client, user_id = _signed_in(app, "facilitator")
    draft = make_event(app, status="draft", facilitator_ids=(user_id,))
    page = f"/events/manage/{draft}/registrants/new"
    refused = submit(client, page, form_data("d", group_id(app), told_privacy="y"))
    assert refused.status_code == 200
    assert "Publish the event before adding people to it." in text_of(refused)
    assert _added(app, draft) == []
    someone_elses = make_event(app)
    assert client.get(f"/events/manage/{someone_elses}/registrants/new").status_code == 403
