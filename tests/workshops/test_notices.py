"""A new registration's first e-mail is owed by its row and drafted once, by a job.

The app here queues jobs on a real RQ queue that no worker serves until the test says, so
the registrations' rows are seen owing their e-mails before the job drafts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.models import Registration
from ohwb_engage.workshops.notices import JOB_KEY, draft_due_notices
from tests.rq_worker import connect_or_skip, empty_queue, work_queue
from tests.workshops.factories import make_event, person

# Database 13: no other test module queues jobs there, so the queue's length is ours.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"JOBS_MODE": "rq", "REDIS_URL": REDIS_URL}


@pytest.fixture
def queue(app: Flask) -> Iterator[Any]:
    connection = connect_or_skip(REDIS_URL)
    connection.delete(f"ohwb:job-waiting:{JOB_KEY}")
    yield empty_queue(connection)
    connection.delete(f"ohwb:job-waiting:{JOB_KEY}")


def _due(app: Flask) -> list[bool]:
    with app.app_context():
        return list(
            db.session.execute(select(Registration.notice_due).order_by(Registration.id)).scalars()
        )


def _subjects(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.to_address, OutboxMessage.subject).order_by(OutboxMessage.id)
        ).all()
        return [(to, subject) for to, subject in rows]


def test_a_new_place_owes_its_email_until_one_job_drafts_it(
    app: Flask, queue: Any, database_url: str
) -> None:
    event_id = make_event(app, capacity=1, title="Breakfast Club")
    with app.app_context():
        results = [reg.register(event_id, person(i)) for i in range(3)]
    assert [r.outcome for r in results] == ["confirmed", "waitlisted", "waitlisted"]
    assert _due(app) == [True, True, True] and _subjects(app) == []
    assert len(queue) == 1  # three commits, one job waiting for a worker

    work_queue(queue, queue.connection, database_url)
    assert _due(app) == [False, False, False]
    assert _subjects(app) == [
        ("person0@example.org", "Place confirmed: Breakfast Club"),
        ("person1@example.org", "Waiting list: Breakfast Club"),
        ("person2@example.org", "Waiting list: Breakfast Club"),
    ]
    with app.app_context():
        assert draft_due_notices() == 0  # cron after the job: nothing is drafted twice
        third = db.session.execute(
            select(OutboxMessage.body_text).where(OutboxMessage.to_address == "person2@example.org")
        ).scalar_one()
    assert "(number 2)" in third
    assert len(_subjects(app)) == 3


def test_cron_drafts_what_no_job_has_and_a_later_job_finds_nothing(
    app: Flask, queue: Any, database_url: str
) -> None:
    event_id = make_event(app, capacity=None, title="Open webinar")
    with app.app_context():
        reg.register(event_id, person(1))
        assert draft_due_notices() == 1  # send-reminders, from cron, before any worker
    assert _subjects(app) == [("person1@example.org", "Place confirmed: Open webinar")]
    work_queue(queue, queue.connection, database_url)
    assert len(_subjects(app)) == 1


def test_no_welcome_for_a_place_gone_before_its_email_was_drafted(app: Flask, queue: Any) -> None:
    event_id = make_event(app, capacity=1, title="Breakfast Club")
    other_event = make_event(app, capacity=None, title="Webinar")
    with app.app_context():
        first = reg.register(event_id, person(1)).registration_id
        second = reg.register(event_id, person(2)).registration_id
        reg.register(other_event, person(3))
        reg.cancel(first)  # so the second, still owed a "waiting list" e-mail, is promoted
        assert db.session.get_one(Registration, second).status == "confirmed"
        from ohwb_engage.workshops.models import Event, EventStatus

        db.session.get_one(Event, other_event).status = EventStatus.CANCELLED.value
        db.session.commit()
        assert draft_due_notices() == 3
    assert _due(app) == [False, False, False]
    # Only what is true now: the cancellation and the place; nothing for the cancelled event.
    assert _subjects(app) == [
        ("person2@example.org", "You have a place: Breakfast Club"),
        ("person1@example.org", "Registration cancelled: Breakfast Club"),
    ]


def test_a_place_that_changes_while_its_email_is_drafted_gets_no_stale_welcome(
    app: Flask, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drafter reads with no lock held; a cancellation (which promotes the next person)
    that lands between its read and its write must not be followed by the welcome drafted
    from the read: "place confirmed" after "cancelled", "waiting list" after "a place"."""
    from ohwb_engage.workshops import notices

    event_id = make_event(app, capacity=1, title="Breakfast Club")
    with app.app_context():
        first = reg.register(event_id, person(1)).registration_id
        reg.register(event_id, person(2))
        drafting = notices.emails.welcome_draft
        cancelled: list[int] = []

        def cancel_meanwhile(*args: Any, **kwargs: Any) -> Any:
            if not cancelled:  # another request, between the drafter's read and its write
                cancelled.append(first)
                reg.cancel(first)
            return drafting(*args, **kwargs)

        monkeypatch.setattr(notices.emails, "welcome_draft", cancel_meanwhile)
        assert draft_due_notices() == 2
        monkeypatch.undo()
        assert draft_due_notices() == 0
    assert _due(app) == [False, False]
    assert _subjects(app) == [
        ("person2@example.org", "You have a place: Breakfast Club"),
        ("person1@example.org", "Registration cancelled: Breakfast Club"),
    ]
