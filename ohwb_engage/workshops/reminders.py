"""Reminders a day and an hour before each event: safe to run from cron every few minutes.

Idempotent by construction: a reminder is recorded in ``event_reminders`` in the same
transaction that queues its e-mail, under a unique key (registration, kind, start time), with
``INSERT ... ON CONFLICT DO NOTHING``. Two runs at once cannot both insert the same key, so
neither can both queue the e-mail; a run that loses simply skips that person. Moving an
event changes its start time, which arms fresh reminders for the new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass(frozen=True)
class ReminderReport:
    day: int = 0
    hour: int = 0


def _due(kind: ReminderKind, now: datetime, limit: int) -> list[int]:
    """Registrations owed this reminder now, and not yet sent it for this start time.

    Someone who registered inside the reminder's window has just had their confirmation, so
    they are not sent this reminder as well. Inside the last hour only the hour one is due.
    """
    lead = LEAD[kind]
    sent = exists().where(
        ReminderDelivery.registration_id == Registration.id,
        ReminderDelivery.kind == kind.value,
        ReminderDelivery.starts_at == Event.starts_at,
    )
    stmt = (
        select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.status == EventStatus.PUBLISHED.value,
            Event.starts_at > now,
            Event.starts_at <= now + lead,
            Registration.status.in_([s.value for s in STATUSES[kind]]),
            Registration.created_at < Event.starts_at - lead,
            ~sent,
        )
        .order_by(Registration.id)
        .limit(limit)
    )
    if kind == ReminderKind.DAY:
        stmt = stmt.where(Event.starts_at > now + LEAD[ReminderKind.HOUR])
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
    )
    return db.session.execute(stmt).rowcount == 1


def send_reminders(now: datetime | None = None, batch: int = 200) -> ReminderReport:
    """Queue every reminder that is due; commits once per batch."""
    counts = {ReminderKind.DAY: 0, ReminderKind.HOUR: 0}
    for kind in (ReminderKind.HOUR, ReminderKind.DAY):
        while True:
            moment = now or utcnow()
            ids = _due(kind, moment, batch)
            db.session.commit()  # end the read before taking the write lock
            if not ids:
                break
            begin_write()
            for registration in db.session.execute(
                select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
            ).scalars():
                if registration.status not in {s.value for s in STATUSES[kind]}:
                    continue  # cancelled since we looked
                if _claim(registration, kind):
                    emails.reminder(registration, kind.value)
                    counts[kind] += 1
            db.session.commit()
            if len(ids) < batch:
                break
    return ReminderReport(day=counts[ReminderKind.DAY], hour=counts[ReminderKind.HOUR])
