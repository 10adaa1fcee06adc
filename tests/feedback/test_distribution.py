"""Evaluations and follow-ups go to attendees once; invitations and reminders by e-mail."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Invitation
from ohwb_engage.feedback.services import send_due_surveys
from ohwb_engage.mail.models import OutboxMessage
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import (
    make_event,
    make_questionnaire,
    make_registration,
    question_ids,
)
from tests.feedback.helpers import answer_page
from tests.helpers import csrf_from, login, submit, text_of
from tests.smtp import SMTPServer


def _outbox(app: Flask, category: str | None = None) -> list[tuple[str, str, str]]:
    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if category:
            stmt = stmt.where(OutboxMessage.category == category)
        return [(m.to_address, m.subject, m.body_text) for m in db.session.execute(stmt).scalars()]


def _attended_event(app: Flask, ended_ago: timedelta | None = timedelta(hours=1)) -> int:
    event = make_event(app, ended_ago=ended_ago, title="Breakfast Club: menopause at work")
    make_registration(app, event, "came@example.org", name="Ana Came")
    make_registration(app, event, "also@example.org", name="Ben Also")
    make_registration(app, event, "noshow@example.org", attended=False)
    make_registration(app, event, "cancelled@example.org", attended=False, status="cancelled")
    return event


def test_evaluation_goes_to_attendees_once_the_event_has_ended(app: Flask, runner) -> None:
    staff = make_staff(app, "facilitator")
    future = _attended_event(app, ended_ago=None)
    ended = _attended_event(app)
    for event in (future, ended):
        make_questionnaire(app, staff, kind="session_evaluation", event_id=event, auto_send=True,
                           open_link=False, title=f"Evaluation {event}")  # fmt: skip
    result = runner.invoke(args=["send-surveys"])
    assert result.exit_code == 0 and "invited 2 attendees to 1 questionnaires" in result.output
    sent = _outbox(app, "feedback_invite")
    assert sorted(to for to, _, _ in sent) == ["also@example.org", "came@example.org"]
    _to, subject, body = sent[0]
    assert subject == f"Evaluation {ended}"
    assert "Thank you for coming to Breakfast Club: menopause at work" in body
    assert re.search(r"http://localhost/q/p/\S+", body)
    again = runner.invoke(args=["send-surveys"])
    assert "nothing due" in again.output
    assert len(_outbox(app)) == 2


def test_follow_up_waits_the_set_number_of_weeks(app: Flask) -> None:
    staff = make_staff(app, "facilitator")
    event = _attended_event(app, ended_ago=timedelta(days=20))
    make_questionnaire(app, staff, kind="follow_up", event_id=event, auto_send=True,
                       follow_up_weeks=4, open_link=False)  # fmt: skip
    with app.app_context():
        assert send_due_surveys().invited == 0
        later = send_due_surveys(utcnow() + timedelta(days=9))
        assert later.invited == 2
    [(_, _, body), _] = _outbox(app)
    assert "whether it has made a difference" in body


def test_concurrent_runs_never_invite_anyone_twice(app: Flask) -> None:
    staff = make_staff(app, "facilitator")
    event = _attended_event(app)
    for n in range(30):
        make_registration(app, event, f"crowd{n}@example.org")
    make_questionnaire(app, staff, kind="session_evaluation", event_id=event, auto_send=True)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                send_due_surveys()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.execute(select(func.count(Invitation.id))).scalar_one() == 32
        assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 32


def test_invite_a_list_chase_and_response_rate(app: Flask) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, open_link=False)
    client = app.test_client()
    login(client, email_of(app, staff), PASSWORD)
    bad = submit(client, f"/feedback/{qid}/invitations", {"people": "not an address\nok@x.org"})
    assert "line 1" in text_of(bad)
    people = "Ana <ana@example.org>\nben@example.org\nCara, cara@example.org\nANA@example.org"
    response = submit(client, f"/feedback/{qid}/invitations", {"people": people})
    assert "3 invitations sent" in text_of(client.get(response.location))
    again = submit(client, f"/feedback/{qid}/invitations", {"people": "ben@example.org"})
    assert "1 were already invited" in text_of(client.get(again.location))
    assert len(_outbox(app, "feedback_invite")) == 3
    # Ana answers through her link.
    body = next(b for to, _, b in _outbox(app) if to == "ana@example.org")
    path = re.search(r"http://localhost(/q/p/\S+)", body).group(1)
    [question] = question_ids(app, qid)
    participant = app.test_client()
    answer_page(participant, path, {f"q{question}": "Useful", "stakeholder_group": "none",
                                    "consent": "y"})  # fmt: skip
    page = client.get(f"/feedback/{qid}/invitations")
    assert "1 of 3 invited, 33%" in text_of(page)
    token = csrf_from(page.get_data(as_text=True))
    chased = client.post(f"/feedback/{qid}/chase", data={"csrf_token": token})
    assert "Reminders sent to 2 people" in text_of(client.get(chased.location))
    reminders = _outbox(app, "feedback_reminder")
    assert sorted(to for to, _, _ in reminders) == ["ben@example.org", "cara@example.org"]
    assert reminders[0][1].startswith("Reminder: ")
    client.post(f"/feedback/{qid}/chase", data={"csrf_token": token})  # a double click
    assert len(_outbox(app, "feedback_reminder")) == 2
    results = text_of(client.get(f"/feedback/{qid}/results"))
    assert "Response rate: 1 of 3 invited, 33%" in results


def test_invitations_are_delivered_by_smtp(smtp_app: Flask, smtp: SMTPServer) -> None:
    staff = make_staff(smtp_app, "facilitator")
    event = _attended_event(smtp_app)
    make_questionnaire(smtp_app, staff, kind="session_evaluation", event_id=event, auto_send=True)
    with smtp_app.app_context():
        send_due_surveys()
    message = smtp.wait_for("came@example.org")[0]
    assert "/q/p/" in message.text()
