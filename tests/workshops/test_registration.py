"""Registration rules on the real database: seats, the waiting list, duplicates, codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.links import registration_from_token
from ohwb_engage.workshops.models import Event, InviteCode, Registration
from tests.workshops.factories import make_event, person, register_people


def _statuses(app: Flask, event_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
        return dict(rows)


def _outbox(app: Flask, category: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if category:
            stmt = stmt.where(OutboxMessage.category == category)
        messages = list(db.session.execute(stmt).scalars())
        db.session.expunge_all()
        return messages


def _retire_a_group(app: Flask) -> int:
    """An admin retires a stakeholder group; returns its id."""
    from ohwb_engage.reference.models import StakeholderGroup
    from ohwb_engage.reference.services import ensure_default_groups

    with app.app_context():
        ensure_default_groups()
        retired = db.session.execute(select(StakeholderGroup)).scalars().first()
        assert retired is not None
        retired.active = False
        db.session.commit()
        return retired.id


def test_confirms_until_full_then_waitlists_in_order(app: Flask) -> None:
    event_id = make_event(app, capacity=2)
    with app.app_context():
        results = [reg.register(event_id, person(i)) for i in range(5)]
        assert [r.outcome for r in results] == ["confirmed"] * 2 + ["waitlisted"] * 3
        assert [r.position for r in results] == [None, None, 1, 2, 3]
        assert db.session.get_one(Event, event_id).seats_taken == 2
    assert _statuses(app, event_id) == {"confirmed": 2, "waitlisted": 3}
    subjects = [m.subject for m in _outbox(app, "registration")]
    assert subjects[0].startswith("Place confirmed") and subjects[4].startswith("Waiting list")


def test_unlimited_capacity_confirms_everyone(app: Flask) -> None:
    event_id = make_event(app, capacity=None)
    register_people(app, event_id, 4)
    assert _statuses(app, event_id) == {"confirmed": 4}


def test_same_email_returns_the_existing_registration_and_resends_the_link(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    with app.app_context():
        first = reg.register(event_id, person(1))
        again = reg.register(event_id, person(1, email="  PERSON1@Example.org ", name="Someone"))
        assert again.outcome == reg.Outcome.ALREADY_REGISTERED
        assert again.registration.id == first.registration.id
        assert again.registration.name == "Person 1"  # a stranger cannot overwrite details
        assert db.session.get_one(Event, event_id).seats_taken == 1
    assert _statuses(app, event_id) == {"confirmed": 1}
    messages = _outbox(app, "registration")
    assert len(messages) == 2 and "nothing has changed" in messages[1].body_text
    assert "/events/registration/" in messages[1].body_text


def test_cancelling_a_place_promotes_the_next_person_and_emails_them(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    first, second, third = register_people(app, event_id, 3)
    with app.app_context():
        result = reg.cancel(first)
        assert [r.id for r in result.promoted] == [second]
        assert db.session.get_one(Registration, second).status == "confirmed"
        assert db.session.get_one(Registration, second).promoted_at is not None
        assert reg.waitlist_position(db.session.get_one(Registration, third)) == 1
        assert db.session.get_one(Event, event_id).seats_taken == 1
    promoted = _outbox(app, "promotion")
    assert [m.to_address for m in promoted] == ["person1@example.org"]
    assert "https://meet.example.org/j/secret-join" in promoted[0].body_text
    assert promoted[0].attachments[0]["filename"].endswith(".ics")


def test_leaving_the_waiting_list_frees_no_seat(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    _, second, third = register_people(app, event_id, 3)
    with app.app_context():
        assert reg.cancel(second).promoted == []
        assert reg.waitlist_position(db.session.get_one(Registration, third)) == 1
        assert db.session.get_one(Event, event_id).seats_taken == 1


def test_cancelling_twice_changes_nothing_the_second_time(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    first, _ = register_people(app, event_id, 2)
    with app.app_context():
        assert reg.cancel(first).changed
        again = reg.cancel(first)
        assert not again.changed and again.promoted == []
        assert db.session.get_one(Event, event_id).seats_taken == 1
    assert len(_outbox(app, "cancellation")) == 1


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    first, _, _ = register_people(app, event_id, 3)
    with app.app_context():
        reg.cancel(first)  # the second person is promoted
        again = reg.register(event_id, person(0))
        assert again.registration.id == first  # the same row, not a duplicate
        assert again.outcome == "waitlisted" and again.position == 2
        assert again.registration.cancelled_at is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "cancelled"}, "has been cancelled"),
        ({"registration_closes_at": utcnow() - timedelta(minutes=1)}, "has closed"),
        ({"registration_opens_at": utcnow() + timedelta(days=1)}, "Registration opens on"),
        ({"starts_in": timedelta(minutes=-5)}, "has closed"),
    ],
)
def test_closed_or_cancelled_events_refuse_and_save_nothing(
    app: Flask, fields: dict, message: str
) -> None:
    event_id = make_event(app, **fields)
    with app.app_context(), pytest.raises(reg.RegistrationClosed, match=message):
        reg.register(event_id, person(1))
    assert _statuses(app, event_id) == {}
    assert _outbox(app) == []


def test_drafts_and_unknown_events_are_not_found(app: Flask) -> None:
    draft = make_event(app, status="draft")
    with app.app_context():
        for event_id in (draft, 987654):
            with pytest.raises(reg.EventUnavailable):
                reg.register(event_id, person(1))


def test_full_event_without_a_waiting_list_refuses(app: Flask) -> None:
    event_id = make_event(app, capacity=1, waitlist_enabled=False)
    register_people(app, event_id, 1)
    with app.app_context(), pytest.raises(reg.EventFull):
        reg.register(event_id, person(2))
    assert _statuses(app, event_id) == {"confirmed": 1}


def test_invite_only_events_need_a_valid_code_with_uses_left(app: Flask) -> None:
    event_id = make_event(app, audience="invite", invite_codes=("PILOTS",))
    with app.app_context():
        db.session.execute(select(InviteCode)).scalar_one().max_uses = 1
        db.session.commit()
        with pytest.raises(reg.InviteCodeProblem, match="enter the invitation code"):
            reg.register(event_id, person(1))
        with pytest.raises(reg.InviteCodeProblem, match="not right"):
            reg.register(event_id, person(1), "WRONG")
        result = reg.register(event_id, person(1), " pilots ")
        assert result.outcome == "confirmed"
        assert result.registration.invite_code_id is not None
        with pytest.raises(reg.InviteCodeProblem, match="as many times"):
            reg.register(event_id, person(2), "PILOTS")
        assert db.session.execute(select(InviteCode.uses)).scalar_one() == 1
    assert _statuses(app, event_id) == {"confirmed": 1}


def test_a_finished_event_cannot_be_cancelled(app: Flask) -> None:
    event_id = make_event(app, capacity=5)
    (first,) = register_people(app, event_id, 1)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(hours=3),
            utcnow() - timedelta(hours=1),
        )
        db.session.commit()
        with pytest.raises(reg.RegistrationClosed, match="finished"):
            reg.cancel(first)
        assert db.session.get_one(Registration, first).status == "confirmed"


def test_nobody_is_promoted_once_the_event_has_started(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    first, second = register_people(app, event_id, 2)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert reg.cancel(first).promoted == []
        assert db.session.get_one(Registration, second).status == "waitlisted"
        assert db.session.get_one(Event, event_id).seats_taken == 0


def test_updating_details_keeps_the_email_and_status(app: Flask) -> None:
    event_id = make_event(app)
    (first,) = register_people(app, event_id, 1)
    with app.app_context():
        reg.update_details(
            first, person(1, email="other@example.org", name="New Name", access_needs="Captions")
        )
        row = db.session.get_one(Registration, first)
        assert (row.name, row.email, row.access_needs) == (
            "New Name",
            "person0@example.org",
            "Captions",
        )


def _during(app: Flask, event_id: int, code: str = "ABC234") -> None:
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(minutes=5),
            utcnow() + timedelta(hours=1),
        )
        event.checkin_code = code
        db.session.commit()


def test_self_check_in_needs_the_code_the_window_and_a_confirmed_place(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    first, second = register_people(app, event_id, 2)
    with app.app_context():
        db.session.get_one(Event, event_id).checkin_code = "ABC234"
        db.session.commit()
        with pytest.raises(reg.CheckInProblem, match="Check-in opens"):
            reg.check_in(event_id, "person0@example.org", "ABC234")
    _during(app, event_id)
    with app.app_context():
        with pytest.raises(reg.CheckInProblem, match="not right"):
            reg.check_in(event_id, "person0@example.org", "ZZZ999")
        with pytest.raises(reg.NoPlace):
            reg.check_in(event_id, "nobody@example.org", "ABC234")
        with pytest.raises(reg.NoPlace):
            reg.check_in(event_id, "person1@example.org", "ABC234")  # on the waiting list
        row = reg.check_in(event_id, " Person0@example.org", "abc234")
        first_time = row.attended_at
        assert first_time is not None and row.attendance_method == "self"
        assert reg.check_in_with_link(first, "ABC234").attended_at == first_time  # idempotent
        assert db.session.get_one(Registration, second).attended_at is None


def test_a_retired_or_unknown_stakeholder_group_is_refused_and_nothing_is_saved(
    app: Flask,
) -> None:
    event_id = make_event(app, capacity=None)
    retired = _retire_a_group(app)
    with app.app_context():
        for group_id in (retired, 987654):
            with pytest.raises(reg.InvalidDetails, match="best describes you"):
                reg.register(event_id, person(1, stakeholder_group_id=group_id))
        assert db.session.get_one(Event, event_id).seats_taken == 0
    assert _statuses(app, event_id) == {}
    assert _outbox(app) == []


def test_the_confirmation_is_written_from_the_event_as_it_is_now(app: Flask) -> None:
    event_id = make_event(app, capacity=3)
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.title, event.join_url = "Renamed Breakfast Club", "https://meet.example.org/j/new"
        db.session.commit()
        result = reg.register(event_id, person(1))
        assert result.outcome == "confirmed" and result.token
    (message,) = _outbox(app, "registration")
    assert message.subject == "Place confirmed: Renamed Breakfast Club"
    assert "https://meet.example.org/j/new" in message.body_text
    # The manage link of the row just written (signed when drafted: same row, maybe not the
    # same second as the page's token).
    link = re.search(r"/events/registration/(\S+)", message.body_text)
    assert link is not None
    with app.app_context():
        assert registration_from_token(link.group(1)).id == result.registration_id
    (calendar,) = message.attachments
    assert calendar["content_type"] == "text/calendar"


def test_a_full_event_queues_a_newcomer_with_their_number_and_no_join_link(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    register_people(app, event_id, 2)
    with app.app_context():
        result = reg.register(event_id, person(2, name="  Third Person "))
        assert result.outcome == "waitlisted" and result.position == 2 and result.token
        row = result.registration
        assert row.status == "waitlisted" and row.name == "Third Person"
        assert row.waitlisted_at is not None and row.waitlisted_at >= row.created_at
        assert reg.waitlist_position(row) == 2
        assert db.session.get_one(Event, event_id).seats_taken == 1
    message = _outbox(app, "registration")[-1]
    assert message.to_address == "person2@example.org"
    assert message.subject.startswith("Waiting list: ")
    assert "Dear Third Person," in message.body_text
    assert "waiting list (number 2)" in message.body_text
    assert result.token in message.body_text
    assert "secret-join" not in message.body_text and message.attachments == []


def test_a_full_event_still_checks_the_group_before_queueing(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    register_people(app, event_id, 1)
    retired = _retire_a_group(app)
    with app.app_context(), pytest.raises(reg.InvalidDetails, match="best describes you"):
        reg.register(event_id, person(2, stakeholder_group_id=retired))
    assert _statuses(app, event_id) == {"confirmed": 1}
    assert len(_outbox(app)) == 1
