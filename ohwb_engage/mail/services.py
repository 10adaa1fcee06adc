"""Queue messages in the outbox and deliver them over SMTP with retries.

Queueing only flushes, so a message commits or rolls back with the change that caused it.
Delivery claims each message with a conditional UPDATE, so two senders (a cron run and a
background job, or two workers) never send the same message twice.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import Select, event, insert, or_, select, update
from sqlalchemy.orm import Session

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import MessageStatus, OutboxMessage

log = logging.getLogger(__name__)

_QUEUED_FLAG = "ohwb_mail_queued"
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


_INSERT_MESSAGE = insert(OutboxMessage.__table__)


def queue_email(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    category: str = "general",
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (it commits with the change).

    A Core INSERT rather than ``session.add`` + flush: the unit of work costs more than the
    statement. The returned object is not in the session (nothing is lazily loaded or
    flushed from it); use it for its id.
    """
    values = _message_values(to, subject, text, html, attachments, category)
    result = db.session.execute(_INSERT_MESSAGE, values)
    db.session.info[_QUEUED_FLAG] = True
    return OutboxMessage(id=result.inserted_primary_key[0], **values)


@dataclass(frozen=True)
class Outgoing:
    """One message of a batch for ``queue_emails``."""

    to: str
    subject: str
    text: str
    category: str = "general"
    attachments: tuple[Attachment, ...] = ()


def queue_emails(messages: list[Outgoing]) -> int:
    """Add many messages to the outbox in one statement, in the caller's transaction."""
    if not messages:
        return 0
    rows = [
        _message_values(m.to, m.subject, m.text, None, m.attachments, m.category) for m in messages
    ]
    db.session.execute(_INSERT_MESSAGE, rows)
    db.session.info[_QUEUED_FLAG] = True
    return len(rows)


def _message_values(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    attachments: Iterable[Attachment],
    category: str,
) -> dict[str, object]:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(">") or None
    now = utcnow()
    return {
        "to_address": to,
        "subject": subject[:255],
        "body_text": text,
        "body_html": html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in attachments
        ],
        "category": category,
        "status": MessageStatus.PENDING.value,
        "attempts": 0,
        "message_id": make_msgid(domain=domain),
        "created_at": now,
        "next_attempt_at": now,
    }


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    """Kick delivery once the messages are safely committed; never inside the transaction."""
    if not session.info.pop(_QUEUED_FLAG, False):
        return
    try:
        if smtp_configured():
            from ohwb_engage.jobs import enqueue

            enqueue("ohwb_engage.mail.services:deliver_pending")
    except RuntimeError:  # no app context: a script will run `send-mail`
        pass


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_QUEUED_FLAG, None)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def _due_ids(limit: int) -> list[int]:
    now = utcnow()
    stmt = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == MessageStatus.PENDING.value)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == MessageStatus.SENDING.value)
                & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def _claim(message_id: int) -> EmailMessage | None:
    """Take one message for sending and return it built; None if another sender has it."""
    now = utcnow()
    begin_write()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == MessageStatus.PENDING.value,
                (OutboxMessage.status == MessageStatus.SENDING.value)
                & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(status=MessageStatus.SENDING.value, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    email = None
    if result.rowcount == 1:
        email = build_email(db.session.get_one(OutboxMessage, message_id))
    db.session.commit()
    return email


def _record_result(message_id: int, error: Exception | None, max_attempts: int) -> str:
    begin_write()
    message = db.session.get_one(OutboxMessage, message_id)
    message.attempts += 1
    if error is None:
        message.status = MessageStatus.SENT.value
        message.sent_at = utcnow()
        message.last_error = None
    else:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= max_attempts:
            message.status = MessageStatus.FAILED.value
        else:
            message.status = MessageStatus.PENDING.value
            message.next_attempt_at = utcnow() + _backoff(message.attempts)
        # The id only: the address and the error text may be personal data.
        log.warning("outbox message %s not sent (attempt %s)", message.id, message.attempts)
    status = message.status
    db.session.commit()
    return status


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for item in message.attachments or []:
        maintype, _, subtype = item["content_type"].partition("/")
        email.add_attachment(
            base64.b64decode(item["data"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=item["filename"],
        )
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def deliver_pending(limit: int = 200) -> DeliveryReport:
    """Send what is due; a failure schedules a retry with back-off, never drops the message.

    Every write is its own short transaction started with ``begin_write``, so concurrent
    senders on SQLite queue for the lock instead of failing with "database is locked".
    """
    if not smtp_configured():
        return DeliveryReport()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    counts = {
        MessageStatus.SENT.value: 0,
        MessageStatus.PENDING.value: 0,
        MessageStatus.FAILED.value: 0,
    }
    due = _due_ids(limit)
    db.session.commit()  # end the read before taking write locks
    smtp: smtplib.SMTP | None = None
    try:
        for message_id in due:
            email = _claim(message_id)
            if email is None:
                continue
            error: Exception | None = None
            try:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(email)
            except (smtplib.SMTPException, OSError) as exc:
                smtp = _close_quietly(smtp)
                error = exc
            counts[_record_result(message_id, error, max_attempts)] += 1
    finally:
        _close_quietly(smtp)
    report = DeliveryReport(
        sent=counts[MessageStatus.SENT.value],
        retrying=counts[MessageStatus.PENDING.value],
        failed=counts[MessageStatus.FAILED.value],
    )
    if report != DeliveryReport():
        log.info("outbox: %s sent, %s to retry, %s failed", *astuple(report))
    return report


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return None


def retry_message(message: OutboxMessage, *, actor: User) -> OutboxMessage:
    """An admin asks for a failed message to go again: back to pending, due now."""
    if message.status != MessageStatus.SENT.value:
        message.status = MessageStatus.PENDING.value
        message.next_attempt_at = utcnow()
        message.attempts = 0
        db.session.info[_QUEUED_FLAG] = True
        record("outbox.retry", message, actor=actor)
    db.session.commit()
    return message


def outbox_query(
    status: str | None = None, category: str | None = None
) -> Select[tuple[OutboxMessage]]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if category:
        stmt = stmt.where(OutboxMessage.category == category)
    return stmt
