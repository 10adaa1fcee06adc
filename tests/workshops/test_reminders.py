"""Reminders: due a day and an hour before, each sent once however often or concurrently
the command runs, re-armed when the event moves."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.models import Event, ReminderDelivery
from ohwb_engage.workshops.reminders import send_reminders
from tests.workshops.factories import make_event, person, register_people


def _reminders(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (m.to_address, m.category)
            for m in db.session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.category.like("reminder%"))
                .order_by(OutboxMessage.id)
            ).scalars()
        ]


def _starts(app: Flask, event_id: int):
    with app.app_context():
        return db.session.get_one(Event, event_id).starts_at


def test_day_and_hour_reminders_are_sent_once_each(app: Flask) -> None:
    event_id = make_event(app, capacity=1, starts_in=timedelta(days=3))
    register_people(app, event_id, 2)  # one confirmed, one on the waiting list
    starts = _starts(app, event_id)
    with app.app_context():
        assert send_reminders(now=starts - timedelta(hours=30)) == (0, 0)  # not yet due
        report = send_reminders(now=starts - timedelta(hours=23))
        assert (report.day, report.hour) == (2, 0)
        assert send_reminders(now=starts - timedelta(hours=22)) == (0, 0)  # idempotent
        report = send_reminders(now=starts - timedelta(minutes=50))
        assert (report.day, report.hour) == (0, 1)  # the hour one: confirmed places only
        assert send_reminders(now=starts - timedelta(minutes=40)) == (0, 0)
        assert send_reminders(now=starts + timedelta(minutes=1)) == (0, 0)  # started
    assert _reminders(app) == [
        ("person0@example.org", "reminder_day"),
        ("person1@example.org", "reminder_day"),
        ("person0@example.org", "reminder_hour"),
    ]
    with app.app_context():
        texts = [
            m.body_text
            for m in db.session.execute(select(OutboxMessage)).scalars()
            if m.category == "reminder_hour"
        ]
        assert "https://meet.example.org/j/secret-join" in texts[0]
        waiting = db.session.execute(
            select(OutboxMessage.body_text).where(
                OutboxMessage.to_address == "person1@example.org",
                OutboxMessage.category == "reminder_day",
            )
        ).scalar_one()
        assert "waiting list" in waiting and "secret-join" not in waiting


def test_cancelled_people_and_events_get_no_reminders(app: Flask) -> None:
    event_id = make_event(app, capacity=5, starts_in=timedelta(days=3))
    first, _ = register_people(app, event_id, 2)
    other = make_event(app, capacity=5, starts_in=timedelta(days=3), status="cancelled")
    with app.app_context():
        reg.cancel(first)
        starts = db.session.get_one(Event, event_id).starts_at
        assert send_reminders(now=starts - timedelta(hours=2)).day == 1
    assert other and _reminders(app) == [("person1@example.org", "reminder_day")]


def test_people_who_registered_inside_the_window_are_not_reminded_again(app: Flask) -> None:
    event_id = make_event(app, capacity=5, starts_in=timedelta(hours=20))
    register_people(app, event_id, 1)  # their confirmation e-mail is their reminder
    starts = _starts(app, event_id)
    with app.app_context():
        assert send_reminders(now=starts - timedelta(hours=19)) == (0, 0)
        assert send_reminders(now=starts - timedelta(minutes=30)).hour == 1


def test_moving_the_event_rearms_its_reminders(app: Flask) -> None:
    event_id = make_event(app, capacity=5, starts_in=timedelta(days=3))
    register_people(app, event_id, 1)
    starts = _starts(app, event_id)
    with app.app_context():
        assert send_reminders(now=starts - timedelta(hours=20)).day == 1
        event = db.session.get_one(Event, event_id)
        event.starts_at += timedelta(days=7)
        event.ends_at += timedelta(days=7)
        db.session.commit()
        later = event.starts_at
        assert send_reminders(now=starts - timedelta(hours=19)) == (0, 0)
        assert send_reminders(now=later - timedelta(hours=20)).day == 1


def test_concurrent_runs_never_send_twice(app: Flask) -> None:
    event_id = make_event(app, capacity=None, starts_in=timedelta(days=2))
    with app.app_context():
        for i in range(60):
            reg.register(event_id, person(i))
    starts = _starts(app, event_id)
    totals: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                totals.append(send_reminders(now=starts - timedelta(hours=20), batch=7).day)
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(totals) == 60
    with app.app_context():
        assert db.session.execute(select(func.count(ReminderDelivery.id))).scalar_one() == 60
    assert len(_reminders(app)) == 60 == len(set(_reminders(app)))


def test_the_command_reports_what_it_queued(app: Flask, runner) -> None:
    event_id = make_event(app, capacity=None, starts_in=timedelta(minutes=45))
    with app.app_context():
        reg.register(event_id, person(1))
        # registered earlier than the hour window
        from ohwb_engage.workshops.models import Registration

        db.session.execute(select(Registration)).scalar_one().created_at = utcnow() - timedelta(
            days=1
        )
        db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "0 a day before, 1 an hour before" in result.output
    assert "0 a day before, 0 an hour before" in runner.invoke(args=["send-reminders"]).output
