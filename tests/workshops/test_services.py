"""Facilitators' use cases: who may manage, capacity changes, publish, cancel, duplicate,
attendance and messages; every staff change is audited without personal data."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops import services
from ohwb_engage.workshops.models import (
    AgendaItem,
    Event,
    EventMessage,
    Registration,
    Speaker,
)
from tests.factories import make_staff
from tests.workshops.factories import make_event, register_people
from tests.workshops.factories import person as _person


def _details(event: Event, **changes: object) -> services.EventDetails:
    base = services.EventDetails(
        title=event.title,
        kind=event.kind,
        summary=event.summary,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        join_url=event.join_url,
        venue=event.venue,
        capacity=event.capacity,
        waitlist_enabled=event.waitlist_enabled,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        audience=event.audience,
        series_id=event.series_id,
    )
    return replace(base, **changes)


def _update(app: Flask, event_id: int, actor_id: int, **changes: object):
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        actor = db.session.get_one(User, actor_id)
        ids = [u.id for u in event.facilitators] or [actor_id]
        result = services.update_event(event_id, _details(event, **changes), ids, actor=actor)
        return SimpleNamespace(
            promoted=[r.id for r in result.promoted],
            notified=result.notified,
            sequence=result.event.calendar_sequence,
            title=result.event.title,
        )


def _messages(app: Flask, category: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(OutboxMessage).where(OutboxMessage.category == category)
            ).scalars()
        )
        db.session.expunge_all()
        return rows


@pytest.fixture
def team(app: Flask) -> dict[str, int]:
    return {
        "admin": make_staff(app, "admin"),
        "fac": make_staff(app, "facilitator"),
        "other": make_staff(app, "facilitator"),
        "analyst": make_staff(app, "analyst"),
    }


def test_facilitators_manage_only_their_events_admins_all(app: Flask, team) -> None:
    event_id = make_event(app, facilitator_ids=(team["fac"],))
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        users = {k: db.session.get_one(User, v) for k, v in team.items()}
        assert services.can_manage(users["fac"], event)
        assert services.can_manage(users["admin"], event)
        assert not services.can_manage(users["other"], event)
        assert not services.can_manage(users["analyst"], event)
        with pytest.raises(services.NotAllowed):
            services.new_checkin_code(event_id, actor=users["other"])


def test_creating_makes_a_draft_the_creator_facilitates(app: Flask, team) -> None:
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        start = utcnow() + timedelta(days=3)
        details = services.EventDetails(
            "Focus group",
            "focus_group",
            "",
            start,
            start + timedelta(hours=1),
            None,
            "Room 4",
            10,
            True,
            None,
            None,
            "open",
            None,
        )
        event = services.create_event(details, [team["other"]], actor=actor)
        assert event.status == "draft"
        assert {u.id for u in event.facilitators} == {team["fac"], team["other"]}
        entry = db.session.execute(select(AuditEntry)).scalar_one()
        assert (entry.action, entry.actor_id, entry.target_id) == (
            "event.create",
            team["fac"],
            str(event.id),
        )


def test_capacity_cannot_drop_below_the_places_given(app: Flask, team) -> None:
    event_id = make_event(app, capacity=3, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 4)
    with pytest.raises(services.CapacityTooLow, match="3 people already have a place"):
        _update(app, event_id, team["fac"], capacity=2, title="Changed")
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        assert (event.capacity, event.seats_taken) == (3, 3)
        assert event.title.startswith("Breakfast Club")  # nothing half-saved
    result = _update(app, event_id, team["fac"], capacity=3, title="Renamed")
    assert result.promoted == [] and result.title == "Renamed"


def test_an_unlimited_event_counts_its_places_when_given_a_capacity(app: Flask, team) -> None:
    event_id = make_event(app, capacity=None, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 3)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        # Places at an unlimited event are counted, not kept on the event's row.
        assert (reg.places_given(event), event.seats_taken) == (3, 0)
    with pytest.raises(services.CapacityTooLow, match="3 people already have a place"):
        _update(app, event_id, team["fac"], capacity=2)
    _update(app, event_id, team["fac"], capacity=4)
    with app.app_context():
        assert db.session.get_one(Event, event_id).seats_taken == 3
        results = [reg.register(event_id, person) for person in (_person(3), _person(4))]
        assert [r.outcome for r in results] == ["confirmed", "waitlisted"]
        assert db.session.get_one(Event, event_id).seats_taken == 4


def test_raising_capacity_promotes_the_waiting_list_in_order(app: Flask, team) -> None:
    event_id = make_event(app, capacity=1, facilitator_ids=(team["fac"],))
    ids = register_people(app, event_id, 4)
    result = _update(app, event_id, team["fac"], capacity=3)
    assert result.promoted == ids[1:3]
    result = _update(app, event_id, team["fac"], capacity=None)
    assert result.promoted == ids[3:]
    assert len(_messages(app, "promotion")) == 3
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        # Unlimited now: all four have a place, and no seats are counted on the event's row.
        assert (reg.places_given(event), event.seats_taken) == (4, 0)


def test_moving_an_event_tells_registrants_with_an_updated_calendar(app: Flask, team) -> None:
    event_id = make_event(app, capacity=1, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 2)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        later = event.starts_at + timedelta(days=1)
        duration = event.ends_at - event.starts_at
    result = _update(app, event_id, team["fac"], starts_at=later, ends_at=later + duration)
    assert result.notified == 2 and result.sequence == 1
    changed = _messages(app, "event_changed")
    assert len(changed) == 2 and "The start time is now" in changed[0].body_text
    ics = Calendar.from_ical(base64.b64decode(changed[0].attachments[0]["data"])).walk("VEVENT")[0]
    assert int(ics["SEQUENCE"]) == 1 and ics.decoded("DTSTART") == later.replace(microsecond=0)


def test_publishing_needs_a_place_a_future_date_and_codes_when_invite_only(
    app: Flask, team
) -> None:
    event_id = make_event(
        app, status="draft", join_url=None, audience="invite", facilitator_ids=(team["fac"],)
    )
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        with pytest.raises(services.CannotPublish) as problem:
            services.publish_event(event_id, actor=actor)
        assert "joining link or a venue" in str(problem.value)
        assert "invitation code" in str(problem.value)
        event = db.session.get_one(Event, event_id)
        event.venue = "Room 1"
        services.add_invite_code(event_id, None, "Pilot sites", None, actor=actor)
        published = services.publish_event(event_id, actor=actor)
        assert published.status == "published" and published.published_at is not None
        assert len(published.invite_codes[0].code) == services.INVITE_CODE_LENGTH


def test_cancelling_an_event_emails_everyone_with_a_cancelled_calendar(app: Flask, team) -> None:
    event_id = make_event(app, capacity=1, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 3)
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        assert services.cancel_event(event_id, "Rescheduled to May.", actor=actor) == 3
        with pytest.raises(services.EventError, match="already been cancelled"):
            services.cancel_event(event_id, "", actor=actor)
    sent = _messages(app, "event_cancelled")
    assert len(sent) == 3 and "Rescheduled to May." in sent[0].body_text
    data = base64.b64decode(sent[0].attachments[0]["data"])
    assert Calendar.from_ical(data).walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_duplicating_copies_the_content_not_the_people(app: Flask, team) -> None:
    event_id = make_event(app, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 2)
    with app.app_context():
        actor = db.session.get_one(User, team["other"])  # any facilitator may duplicate
        services.save_agenda_item(
            event_id, None, "Welcome", "", None, actor=db.session.get_one(User, team["fac"])
        )
        services.save_speaker(
            event_id,
            None,
            {"name": "Dr Marsh", "slides_url": ""},
            actor=db.session.get_one(User, team["fac"]),
        )
        copy = services.duplicate_event(event_id, actor=actor)
        assert copy.status == "draft" and copy.seats_taken == 0 and copy.registrations == []
        assert [i.title for i in copy.agenda_items] == ["Welcome"]
        assert [s.name for s in copy.speakers] == ["Dr Marsh"]
        assert {u.id for u in copy.facilitators} == {team["fac"], team["other"]}


def test_agenda_times_must_fall_within_the_event(app: Flask, team) -> None:
    event_id = make_event(app, facilitator_ids=(team["fac"],), minutes=60)
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        event = db.session.get_one(Event, event_id)
        with pytest.raises(services.EventError, match="must be between"):
            services.save_agenda_item(
                event_id, None, "Late", "", event.ends_at + timedelta(minutes=5), actor=actor
            )
        item = services.save_agenda_item(
            event_id, None, "Talk", "", event.starts_at + timedelta(minutes=15), actor=actor
        )
        assert item.minutes_from_start == 15
        services.save_agenda_item(event_id, None, "Close", "", None, actor=actor)
        services.move_child(AgendaItem, event_id, item.id, 1, actor=actor)
        assert [i.title for i in db.session.get_one(Event, event_id).agenda_items] == [
            "Close",
            "Talk",
        ]
        with pytest.raises(services.NotFound):
            services.delete_child(Speaker, event_id, 987654, actor=actor)


def test_bulk_attendance_and_attendance_lists(app: Flask, team) -> None:
    event_id = make_event(app, capacity=3, facilitator_ids=(team["fac"],))
    ids = register_people(app, event_id, 4)
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        with pytest.raises(services.EventError, match="once the event is about to start"):
            services.mark_attendance(event_id, ids[:1], True, actor=actor)
        event = db.session.get_one(Event, event_id)
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(hours=2),
            utcnow() - timedelta(hours=1),
        )
        db.session.commit()
        assert services.mark_attendance(event_id, ids, True, actor=actor) == 3  # not the waitlisted
        assert services.mark_attendance(event_id, ids[:1], False, actor=actor) == 1
        result = services.mark_attendance_from_list(
            event_id,
            "Person 0 <person0@example.org>; PERSON1@example.org, stranger@example.org\n"
            "person3@example.org",
            actor=actor,
        )
        assert (result.marked, result.already, result.not_registered) == (1, 1, 2)
        attended = db.session.execute(
            select(Registration.id).where(Registration.attended_at.is_not(None))
        ).scalars()
        assert sorted(attended) == ids[:3]
        details = [e.details for e in db.session.execute(select(AuditEntry)).scalars()]
        assert all("@" not in str(d) for d in details)  # no personal data in the audit log
        db.session.get_one(Event, event_id).status = "cancelled"
        db.session.commit()
        with pytest.raises(services.EventError, match="cancelled"):
            services.mark_attendance(event_id, ids[:1], True, actor=actor)


def test_messages_go_to_the_chosen_registrants_and_are_kept(app: Flask, team) -> None:
    event_id = make_event(app, capacity=2, facilitator_ids=(team["fac"],))
    register_people(app, event_id, 3)
    with app.app_context():
        actor = db.session.get_one(User, team["fac"])
        with pytest.raises(services.EventError, match="Nobody matches"):
            services.send_message(event_id, ["attended"], "Slides", "Here they are", actor=actor)
        message = services.send_message(
            event_id, ["waitlisted"], "Still waiting", "Hello", actor=actor
        )
        assert message.recipient_count == 1
        assert db.session.execute(select(EventMessage)).scalar_one().audience == "waitlisted"
    sent = _messages(app, "event_message")
    assert [m.to_address for m in sent] == ["person2@example.org"]
    assert "/events/registration/" in sent[0].body_text
