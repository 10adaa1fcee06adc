"""The outbox over a real SMTP server on loopback: delivery, retries, never a lost message."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import MessageStatus, OutboxMessage
from ohwb_engage.mail.services import Attachment, deliver_pending, queue_email
from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit, text_of
from tests.smtp import SMTPServer


def _queue(app: Flask, to: str = "p@example.org", **kwargs) -> int:
    with app.app_context():
        message = queue_email(to, "Your place", "Hello there", **kwargs)
        db.session.commit()
        return message.id


def _status(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def test_committed_message_is_delivered_in_the_background(smtp_app: Flask, smtp: SMTPServer):
    message_id = _queue(
        smtp_app,
        attachments=[Attachment("event.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")],
    )
    received = smtp.wait_for("p@example.org")[0]
    assert received.subject == "Your place"
    assert received.text().strip() == "Hello there"
    assert received.attachments() == {"event.ics": b"BEGIN:VCALENDAR\r\n"}
    message = _status(smtp_app, message_id)
    assert message.status == MessageStatus.SENT.value and message.attempts == 1
    assert received.message["Message-ID"] == message.message_id


def test_rolled_back_message_is_never_sent(smtp_app: Flask, smtp: SMTPServer):
    with smtp_app.app_context():
        queue_email("ghost@example.org", "Never", "Rolled back")
        db.session.rollback()
        assert deliver_pending().sent == 0
    assert smtp.to("ghost@example.org") == []


def test_failure_is_retried_later_then_delivered(smtp_app: Flask, smtp: SMTPServer):
    smtp.fail_next = 1
    message_id = _queue(smtp_app, to="retry@example.org")
    message = _status(smtp_app, message_id)
    assert message.status == MessageStatus.PENDING.value
    assert message.attempts == 1 and "451" in message.last_error
    assert message.next_attempt_at > utcnow()
    with smtp_app.app_context():
        assert deliver_pending().sent == 0  # not due yet: back-off is respected
        db.session.get(OutboxMessage, message_id).next_attempt_at = utcnow()
        db.session.commit()
        assert deliver_pending().sent == 1
    assert len(smtp.to("retry@example.org")) == 1
    assert _status(smtp_app, message_id).status == MessageStatus.SENT.value


def test_gives_up_after_max_attempts_but_keeps_the_message(smtp_app: Flask, smtp: SMTPServer):
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp.fail_next = 5
    message_id = _queue(smtp_app, to="stuck@example.org")
    with smtp_app.app_context():
        db.session.get(OutboxMessage, message_id).next_attempt_at = utcnow()
        db.session.commit()
        deliver_pending()
    message = _status(smtp_app, message_id)
    assert message.status == MessageStatus.FAILED.value and message.attempts == 2


def test_unreachable_server_keeps_message_pending(app: Flask):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)
    message_id = _queue(app, to="later@example.org")
    message = _status(app, message_id)
    assert message.status == MessageStatus.PENDING.value
    assert message.attempts == 1 and message.last_error


def test_two_senders_never_send_twice(smtp_app: Flask, smtp: SMTPServer):
    smtp_app.config["MAIL_SERVER"] = None  # hold delivery while queueing
    ids = [_queue(smtp_app, to=f"n{i}@example.org") for i in range(10)]
    smtp_app.config["MAIL_SERVER"] = "127.0.0.1"
    from concurrent.futures import ThreadPoolExecutor

    def run() -> int:
        with smtp_app.app_context():
            return deliver_pending().sent

    with ThreadPoolExecutor(2) as pool:
        total = sum(pool.map(lambda _: run(), range(2)))
    assert total == 10 and len(smtp.messages) == 10
    with smtp_app.app_context():
        statuses = db.session.execute(
            select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
        ).scalars()
        assert set(statuses) == {"sent"}


def test_without_smtp_admins_read_the_outbox(app: Flask, client):
    make_staff(app, "admin", email="a@example.org")
    message_id = _queue(app, to="reader@example.org")
    login(client, "a@example.org", PASSWORD)
    listing = text_of(client.get("/admin/outbox/"))
    assert "No SMTP server is configured" in listing and "reader@example.org" in listing
    assert "Hello there" in text_of(client.get(f"/admin/outbox/{message_id}"))


def test_admin_can_retry_a_failed_message(app: Flask, client):
    make_staff(app, "admin", email="a@example.org")
    message_id = _queue(app)
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        message.status, message.attempts = "failed", 8
        db.session.commit()
    login(client, "a@example.org", PASSWORD)
    submit(client, f"/admin/outbox/{message_id}", {}, action=f"/admin/outbox/{message_id}/retry")
    message = _status(app, message_id)
    assert (message.status, message.attempts) == ("pending", 0)
