"""A new registration's first e-mail (place confirmed, or a place on the waiting list),
drafted by a job instead of the request that registered.

Registering is the busiest write in the service: a Breakfast Club fills in minutes. The
request marks its row (``notice_due``) in the same INSERT, so the e-mail can never be lost:
it is owed from the moment the registration commits. After the commit a job is queued
(``jobs.enqueue_once``: one waiting job serves every commit made before it starts, and it
waits ``GATHER_SECONDS`` first), which drafts the owed e-mails from the rows as they are
then, with no lock held, and in one short write per batch inserts them into the outbox and
clears the marks. A row cancelled, promoted or whose event was cancelled
before its notice was drafted gets none: the later e-mail (cancellation, "you have a
place", event cancelled) says what is true. ``send-reminders``, run from cron, drafts
whatever a lost job left, so nothing owed waits longer than its schedule.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from sqlalchemy import bindparam, event, func, or_, select, update
from sqlalchemy.orm import Session

from ohwb_engage.database import begin_write, taking_turns
from ohwb_engage.extensions import db
from ohwb_engage.jobs import enqueue_once
from ohwb_engage.mail.services import queue_emails
from ohwb_engage.workshops import emails
from ohwb_engage.workshops.links import manage_token_for, manage_url_for
from ohwb_engage.workshops.models import Event, EventStatus, Registration, RegistrationStatus

JOB = "ohwb_engage.workshops.notices:draft_due_notices"
JOB_KEY = "registration-notices"
BATCH = 50
# The job waits this long before it reads, so a burst of registrations (a Breakfast Club
# opening) is drafted in a few batches rather than one small transaction per commit.
GATHER_SECONDS = 0.5
_DUE_FLAG = "ohwb_registration_notices_due"


def owed(session: Session | None = None) -> None:
    """Say that this transaction marks a notice due: its commit queues the drafting job."""
    (session or db.session()).info[_DUE_FLAG] = True


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    """Queue the drafting job once the marks are safely committed."""
    if not session.info.pop(_DUE_FLAG, False):
        return
    with suppress(RuntimeError):  # no app context: a script; cron's send-reminders drafts
        enqueue_once(JOB, JOB_KEY, gather=GATHER_SECONDS)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_DUE_FLAG, None)


def draft_due_notices(batch: int = BATCH) -> int:
    """Draft every owed first e-mail into the outbox; returns how many rows were settled.

    Drafters take turns (each gunicorn worker runs its own job): one that waited finds the
    rows its turn was for already drafted, instead of drafting them again to lose the claim.
    """
    settled = 0
    with taking_turns(JOB_KEY):
        while True:
            done = _draft_batch(batch)
            settled += done
            if done < batch:
                return settled


_R = Registration.__table__
_E = Event.__table__
_DUE = (
    select(
        _R.c.id,
        _R.c.email,
        _R.c.name,
        _R.c.status,
        _R.c.created_at,
        _R.c.promoted_at,
        _R.c.event_id,
        _E.c.status.label("event_status"),
        *(_E.c[name] for name in emails.DRAFT_COLUMNS),
    )
    .join(_E, _E.c.id == _R.c.event_id)
    .where(_R.c.notice_due.is_(True))
    .order_by(_R.c.id)
    .limit(bindparam("limit"))
)
_EVENT_CANCELLED = (
    select(_E.c.id)
    .where(_E.c.id == _R.c.event_id, _E.c.status == EventStatus.CANCELLED.value)
    .exists()
)
# The rows still owed their e-mail and still as the drafter read them: the same status, not
# promoted, the event not cancelled. One that changed in between is not claimed with a
# draft that no longer says what is true.
_CLAIM = (
    update(_R)
    .where(
        _R.c.id.in_(bindparam("ids", expanding=True)),
        _R.c.notice_due.is_(True),
        _R.c.status == bindparam("read_status"),
        _R.c.promoted_at.is_(None),
        ~_EVENT_CANCELLED,
    )
    .values(notice_due=False)
    .returning(_R.c.id)
)
# Rows whose place has gone or changed owe nothing: the later e-mail says what is true. One
# that changed back (cancelled, then registered again) stays owed for the next batch.
_SETTLE_GONE = (
    update(_R)
    .where(
        _R.c.id.in_(bindparam("ids", expanding=True)),
        _R.c.notice_due.is_(True),
        or_(
            _R.c.status == RegistrationStatus.CANCELLED.value,
            _R.c.promoted_at.is_not(None),
            _EVENT_CANCELLED,
        ),
    )
    .values(notice_due=False)
)


def _draft_batch(limit: int) -> int:
    """Read the rows owed an e-mail and draft their messages with no lock held, then, in a
    short write, claim the rows still owed one and still as read (another drafter may have
    taken some; a place may have been cancelled or promoted meanwhile) and insert those
    messages in one statement."""
    due = db.session.execute(_DUE, {"limit": limit}).all()
    if not due:
        db.session.commit()  # end the read
        return 0
    positions = _queue_positions([r for r in due if r.status == RegistrationStatus.WAITLISTED])
    db.session.commit()  # end the read before taking the write lock
    events: dict[int, Event] = {}
    drafted: dict[int, Any] = {}
    read_as: dict[str, list[int]] = {}
    for row in due:
        if not _still_welcome(row):
            continue
        shown = events.get(row.event_id)
        if shown is None:  # the event as its e-mails show it, built once per batch
            columns = {name: getattr(row, name) for name in emails.DRAFT_COLUMNS}
            shown = events[row.event_id] = Event(
                id=row.event_id, status=row.event_status, **columns
            )
        draft = emails.welcome_draft(shown, row.name, row.status, positions.get(row.id))
        link = manage_url_for(manage_token_for(row.id, row.email, row.created_at))
        drafted[row.id] = draft.outgoing(row.email, link)
        read_as.setdefault(str(row.status), []).append(row.id)
    begin_write()
    claimed: list[int] = []
    for status, ids in read_as.items():
        claimed += db.session.execute(_CLAIM, {"ids": ids, "read_status": status}).scalars()
    db.session.execute(_SETTLE_GONE, {"ids": [row.id for row in due]})
    queue_emails([drafted[i] for i in sorted(claimed)])
    db.session.commit()
    return len(due)


def _queue_positions(waiting: list[Any]) -> dict[int, int]:
    """Each waiting row's number in its event's queue (1: next to be offered a place)."""
    if not waiting:
        return {}
    numbered = (
        select(
            _R.c.id,
            func.row_number()
            .over(partition_by=_R.c.event_id, order_by=(_R.c.waitlisted_at, _R.c.id))
            .label("number"),
        )
        .where(
            _R.c.event_id.in_({row.event_id for row in waiting}),
            _R.c.status == RegistrationStatus.WAITLISTED.value,
        )
        .subquery()
    )
    ids = [row.id for row in waiting]
    found = db.session.execute(
        select(numbered.c.id, numbered.c.number).where(numbered.c.id.in_(ids))
    ).all()
    return {registration_id: int(number) for registration_id, number in found}


def _still_welcome(row: Any) -> bool:
    """False once the place has gone or changed: a later e-mail already says what is true."""
    return (
        row.status != RegistrationStatus.CANCELLED
        and row.promoted_at is None
        and row.event_status != EventStatus.CANCELLED
    )
