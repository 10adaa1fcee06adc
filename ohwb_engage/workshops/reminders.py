"""Reminders a day and an hour before each event: safe to run from cron every few minutes.

Idempotent by construction: a reminder is recorded in ``event_reminders`` in the same
transaction that queues its e-mail, under a unique key (registration, kind, start time), with
``INSERT ... ON CONFLICT DO NOTHING``. Two runs at once cannot both insert the same key, so
neither can both queue the e-mail; a run that loses simply skips that person. Moving an
event changes its start time, which arms fresh reminders for the new date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ohwb_engage.database import begin_write, is_sqlite, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.workshops import emails
from ohwb_engage.workshops.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    ReminderDelivery,
    ReminderKind,
)

LEAD = {ReminderKind.DAY: timedelta(hours=24), ReminderKind.HOUR: timedelta(hours=1)}
# The day reminder also goes to the waiting list (so they know they are still waiting);
# the hour reminder carries the joining link and only goes to people with a place.
STATUSES = {
    ReminderKind.DAY: (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
    ReminderKind.HOUR: (RegistrationStatus.CONFIRMED,),
}


class ReminderReport(NamedTuple):
    day: int = 0
    hour: int = 0


def _events_due(kind: ReminderKind, now: datetime) -> list[tuple[int, datetime]]:
    """Published events starting within this reminder's lead time (inside the last hour,
    only the hour reminder is due)."""
    stmt = select(Event.id, Event.starts_at).where(
        Event.status == EventStatus.PUBLISHED.value,
        Event.starts_at > now,
        Event.starts_at <= now + LEAD[kind],
    )
    if kind == ReminderKind.DAY:
        stmt = stmt.where(Event.starts_at > now + LEAD[ReminderKind.HOUR])
    return [(row.id, row.starts_at) for row in db.session.execute(stmt)]


def _due(kind: ReminderKind, event_id: int, starts_at: datetime, limit: int) -> list[int]:
    """Registrations owed this reminder for this start time and not yet sent it.

    Someone who registered inside the reminder's window has just had their confirmation, so
    they are not sent this reminder as well.
    """
    sent = exists().where(
        ReminderDelivery.registration_id == Registration.id,
        ReminderDelivery.kind == kind.value,
        ReminderDelivery.starts_at == starts_at,
    )
    stmt = (
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_([s.value for s in STATUSES[kind]]),
            Registration.created_at < starts_at - LEAD[kind],
            ~sent,
        )
        .order_by(Registration.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def _claim(registration: Registration, kind: ReminderKind) -> bool:
    """Record the reminder; False if it is already recorded (by this or another run)."""
    insert = sqlite_insert if is_sqlite() else postgresql_insert
    stmt = (
        insert(ReminderDelivery)
        .values(
            registration_id=registration.id,
            kind=kind.value,
            starts_at=registration.event.starts_at,
            sent_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["registration_id", "kind", "starts_at"])
        .returning(ReminderDelivery.id)
    )
    # RETURNING gives a row only if this statement inserted it (rowcount is not reliable here).
    return db.session.execute(stmt).first() is not None


def send_reminders(now: datetime | None = None, batch: int = 200) -> ReminderReport:
    """Queue every reminder that is due; commits once per batch."""
    counts = {ReminderKind.DAY: 0, ReminderKind.HOUR: 0}
    moment = now or utcnow()
    for kind in (ReminderKind.HOUR, ReminderKind.DAY):
        for event_id, starts_at in _events_due(kind, moment):
            while True:
                ids = _due(kind, event_id, starts_at, batch)
                db.session.commit()  # end the read before taking the write lock
                if not ids:
                    break
                counts[kind] += _send_batch(kind, ids)
                if len(ids) < batch:
                    break
    return ReminderReport(day=counts[ReminderKind.DAY], hour=counts[ReminderKind.HOUR])


def _send_batch(kind: ReminderKind, ids: list[int]) -> int:
    sent = 0
    begin_write()
    rows = db.session.execute(
        select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
    ).scalars()
    for registration in rows:
        if registration.status not in {s.value for s in STATUSES[kind]}:
            continue  # cancelled since we looked
        if _claim(registration, kind):
            emails.reminder(registration, kind.value)
            sent += 1
    db.session.commit()
    return sent
