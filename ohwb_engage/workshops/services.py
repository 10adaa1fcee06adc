"""Facilitators' use cases: create, edit, duplicate, publish and cancel events; agendas,
speakers, invitation codes, series; messages to registrants; attendance.

Who may manage an event: administrators manage every event; a facilitator manages the
events they facilitate (they are added to any event they create or duplicate, and any
facilitator of an event can add colleagues). Analysts never manage events; they read the
aggregate reports. Each public function is one use case, commits once and audits the change.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, func, or_, select, update

from ohwb_engage.accounts.models import Role, User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.template_helpers import london
from ohwb_engage.workshops import emails, reports
from ohwb_engage.workshops.models import (
    AgendaItem,
    AttendanceMethod,
    Audience,
    Event,
    EventMessage,
    EventSeries,
    EventStatus,
    InviteCode,
    Registration,
    RegistrationStatus,
    SeriesKind,
    SeriesMember,
    Speaker,
    event_facilitators,
)
from ohwb_engage.workshops.registration import (
    CHECKIN_OPENS_BEFORE,
    fill_free_seats,
    lock_event,
    normalise_email,
    places_given,
)

# Check-in codes avoid letters and digits people confuse when reading from a screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_CODE_LENGTH = 6
INVITE_CODE_LENGTH = 8

Child = TypeVar("Child", AgendaItem, Speaker)
ACTIVE = [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]


class EventError(Exception):
    """A rule said no; ``str()`` is the message for the page."""


class NotAllowed(EventError):
    """The user may not manage this event: the view answers 403."""


class CapacityTooLow(EventError):
    pass


class CannotPublish(EventError):
    pass


class NotFound(EventError):
    pass


@dataclass(frozen=True)
class EventDetails:
    """An event as the facilitator's form describes it (times already in UTC)."""

    title: str
    kind: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    join_url: str | None
    venue: str | None
    capacity: int | None
    waitlist_enabled: bool
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    audience: str
    series_id: int | None


@dataclass(frozen=True)
class UpdateResult:
    event: Event
    promoted: list[Registration]
    notified: int


# Changes registrants must hear about (field, words for the e-mail).
NOTIFIABLE = {
    "starts_at": "The start time",
    "ends_at": "The end time",
    "venue": "The venue",
    "join_url": "The joining link",
}


def can_manage(user: User, event: Event) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.FACILITATOR and event.is_facilitated_by(user)


def require_manager(user: User, event: Event) -> None:
    if not can_manage(user, event):
        raise NotAllowed("Only this event's facilitators and administrators can do this.")


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _lock_managed(event_id: int, actor: User) -> Event:
    """Start the write and lock the event row; only its managers get further."""
    begin_write()
    event = lock_event(event_id)
    if event is None:
        db.session.rollback()
        raise NotFound("There is no such event.")
    try:
        require_manager(actor, event)
    except NotAllowed:
        db.session.rollback()
        raise
    return event


def _check_details(details: EventDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise EventError("The event must end after it starts")
    if details.capacity is not None and details.capacity < 0:
        raise EventError("Capacity cannot be negative")
    if (
        details.registration_opens_at
        and details.registration_closes_at
        and details.registration_closes_at <= details.registration_opens_at
    ):
        raise EventError("Registration must close after it opens")
    if details.registration_closes_at and details.registration_closes_at > details.ends_at:
        raise EventError("Registration must close before the event ends")
    if details.series_id is not None and db.session.get(EventSeries, details.series_id) is None:
        raise EventError("Choose a series from the list")


def _facilitator_users(user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    users = db.session.execute(
        select(User).where(
            User.id.in_(user_ids),
            User.active.is_(True),
            User.role.in_([Role.ADMIN.value, Role.FACILITATOR.value]),
        )
    ).scalars()
    return list(users)


def facilitator_choices() -> list[tuple[int, str]]:
    """Staff who can facilitate: active facilitators and administrators."""
    users = db.session.execute(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.ADMIN.value, Role.FACILITATOR.value]))
        .order_by(func.lower(User.name))
    ).scalars()
    return [(u.id, u.name) for u in users]


def events_query(
    status: str | None, kind: str | None, when: str | None, facilitator_id: int | None
) -> Select[tuple[Event]]:
    """The staff list: upcoming soonest first, otherwise the latest first."""
    now = utcnow()
    stmt = select(Event)
    if status:
        stmt = stmt.where(Event.status == status)
    if kind:
        stmt = stmt.where(Event.kind == kind)
    if when == "upcoming":
        stmt = stmt.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    else:
        if when == "past":
            stmt = stmt.where(Event.ends_at <= now)
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id)
    if facilitator_id is not None:
        mine = select(event_facilitators.c.event_id).where(
            event_facilitators.c.user_id == facilitator_id
        )
        stmt = stmt.where(Event.id.in_(mine))
    return stmt


def sent_messages(event_id: int) -> list[EventMessage]:
    return list(
        db.session.execute(
            select(EventMessage)
            .where(EventMessage.event_id == event_id)
            .order_by(EventMessage.created_at.desc())
        ).scalars()
    )


def confirmed_registrants(event_id: int) -> list[Registration]:
    """People with a place, by name: the attendance register."""
    return list(
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
            .order_by(func.lower(Registration.name), Registration.id)
        ).scalars()
    )


def create_event(details: EventDetails, facilitator_ids: list[int], *, actor: User) -> Event:
    """A new draft event; whoever creates it facilitates it."""
    _check_details(details)
    event = Event(**{f.name: getattr(details, f.name) for f in fields(details)})
    event.status = EventStatus.DRAFT.value
    event.created_by_id = actor.id
    people = _facilitator_users(facilitator_ids)
    if actor.role == Role.FACILITATOR and all(u.id != actor.id for u in people):
        people.append(actor)
    event.facilitators = people or [actor]
    db.session.add(event)
    db.session.flush()
    record("event.create", event, actor=actor, title=event.title, kind=event.kind)
    db.session.commit()
    return event


def update_event(
    event_id: int,
    details: EventDetails,
    facilitator_ids: list[int],
    *,
    actor: User,
    notify: bool = True,
) -> UpdateResult:
    """Save the facilitator's edits under the event's lock.

    Capacity can never go below the places already given (the form says so and nobody is
    bumped); raising it, or making it unlimited, promotes people from the waiting list.
    Registrants are told when the time, venue or joining link of a published event changes.
    """
    _check_details(details)
    event = _lock_managed(event_id, actor)
    if event.status == EventStatus.CANCELLED:
        db.session.rollback()
        raise EventError("This event has been cancelled, so it can no longer be changed.")
    taken = places_given(event)  # the event is locked: no place is given meanwhile
    if details.capacity is not None and details.capacity < taken:
        db.session.rollback()
        raise CapacityTooLow(
            f"{taken} people already have a place, so capacity cannot be less than {taken}. "
            "Nobody is moved off the event: cancel places first if you must reduce it"
        )
    people = _facilitator_users(facilitator_ids)
    if not people:
        db.session.rollback()
        raise EventError("Choose at least one facilitator")
    changes = {}
    notices = []
    for f in fields(details):
        old, new = getattr(event, f.name), getattr(details, f.name)
        if old != new:
            changes[f.name] = {"from": _plain(old), "to": _plain(new)}
            if f.name in NOTIFIABLE:
                notices.append(f"{NOTIFIABLE[f.name]} is now {_shown(f.name, new)}.")
            setattr(event, f.name, new)
    old_people = {u.id for u in event.facilitators}
    if old_people != {u.id for u in people}:
        event.facilitators = people
        changes["facilitators"] = sorted(u.id for u in people)
    if notices:
        event.calendar_sequence += 1
    # Seats are counted only while there is a capacity (see the Event model).
    event.seats_taken = taken if event.capacity is not None else 0
    db.session.flush()
    promoted = fill_free_seats(event)
    notified = 0
    if notices and notify and event.status == EventStatus.PUBLISHED:
        for registration in _registrants(event.id, ACTIVE):
            emails.event_changed(registration, notices)
            notified += 1
    if changes:
        record(
            "event.update",
            event,
            actor=actor,
            changes=changes,
            promoted=len(promoted),
            notified=notified,
        )
    db.session.commit()
    return UpdateResult(event, promoted, notified)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _shown(name: str, value: object) -> str:
    if isinstance(value, datetime):
        return london(value)
    return str(value) if value else "(none)"


def _registrants(event_id: int, statuses: list[RegistrationStatus]) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status.in_([s.value for s in statuses]),
            )
            .order_by(Registration.id)
        ).scalars()
    )


def duplicate_event(event_id: int, *, actor: User) -> Event:
    """A draft copy (details, agenda, speakers; no registrations or codes) to edit and publish."""
    source = db.session.get(Event, event_id)
    if source is None:
        raise NotFound("There is no such event.")
    copy = Event(
        title=source.title,
        kind=source.kind,
        summary=source.summary,
        starts_at=source.starts_at,
        ends_at=source.ends_at,
        join_url=source.join_url,
        venue=source.venue,
        capacity=source.capacity,
        waitlist_enabled=source.waitlist_enabled,
        audience=source.audience,
        series_id=source.series_id,
        status=EventStatus.DRAFT.value,
        created_by_id=actor.id,
    )
    copy.facilitators = list(source.facilitators)
    if actor.role == Role.FACILITATOR and not copy.is_facilitated_by(actor):
        copy.facilitators.append(actor)
    copy.agenda_items = [
        AgendaItem(
            position=i.position,
            minutes_from_start=i.minutes_from_start,
            title=i.title,
            details=i.details,
        )
        for i in source.agenda_items
    ]
    copy.speakers = [
        Speaker(
            position=s.position,
            name=s.name,
            role=s.role,
            organisation=s.organisation,
            talk_title=s.talk_title,
            slides_url=s.slides_url,
        )
        for s in source.speakers
    ]
    db.session.add(copy)
    db.session.flush()
    record("event.duplicate", copy, actor=actor, source_id=source.id)
    db.session.commit()
    return copy


def publishing_problems(event: Event) -> list[str]:
    problems = []
    if not event.join_url and not event.venue:
        problems.append("Add a joining link or a venue")
    if event.starts_at <= utcnow():
        problems.append("The event starts in the past: change its date first")
    if event.audience == Audience.INVITE and not any(c.active for c in event.invite_codes):
        problems.append("The event is by invitation: add an invitation code first")
    return problems


def publish_event(event_id: int, *, actor: User) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("There is no such event.")
    require_manager(actor, event)
    if event.status != EventStatus.DRAFT:
        raise CannotPublish("Only a draft event can be published.")
    problems = publishing_problems(event)
    if problems:
        raise CannotPublish(". ".join(problems) + ".")
    event.status = EventStatus.PUBLISHED.value
    event.published_at = utcnow()
    record("event.publish", event, actor=actor)
    db.session.commit()
    return event


def unpublish_event(event_id: int, *, actor: User) -> Event:
    """Back to draft: only while nobody has registered (otherwise cancel it)."""
    event = _lock_managed(event_id, actor)
    active = _registrants(event.id, ACTIVE)
    if event.status != EventStatus.PUBLISHED or active:
        db.session.rollback()
        raise EventError(
            "Only a published event with nobody registered can go back to draft. "
            "Cancel the event instead: everyone registered will be told."
        )
    event.status = EventStatus.DRAFT.value
    record("event.unpublish", event, actor=actor)
    db.session.commit()
    return event


def cancel_event(event_id: int, reason: str, *, actor: User) -> int:
    """Cancel the event and e-mail everyone with a place or on the waiting list. Final."""
    event = _lock_managed(event_id, actor)
    if event.status == EventStatus.CANCELLED:
        db.session.rollback()
        raise EventError("This event has already been cancelled.")
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at = utcnow()
    event.cancellation_reason = reason.strip()
    event.calendar_sequence += 1
    db.session.flush()
    people = _registrants(event.id, ACTIVE)
    for registration in people:
        emails.event_cancelled(registration, event.cancellation_reason)
    record("event.cancel", event, actor=actor, notified=len(people))
    db.session.commit()
    return len(people)


# Agenda items and speakers ----------------------------------------------------------------


def _next_position(model: type[AgendaItem] | type[Speaker], event_id: int) -> int:
    return (
        db.session.execute(
            select(func.coalesce(func.max(model.position), -1)).where(model.event_id == event_id)
        ).scalar_one()
        + 1
    )


def _managed(event_id: int, actor: User) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("There is no such event.")
    require_manager(actor, event)
    return event


def save_agenda_item(
    event_id: int,
    item_id: int | None,
    title: str,
    details: str,
    starts_at: datetime | None,
    *,
    actor: User,
) -> AgendaItem:
    event = _managed(event_id, actor)
    minutes = None
    if starts_at is not None:
        minutes = int((starts_at - event.starts_at).total_seconds() // 60)
        if not 0 <= minutes <= (event.ends_at - event.starts_at).total_seconds() // 60:
            raise EventError(
                f"The time must be between {london(event.starts_at, '%H:%M')} and "
                f"{london(event.ends_at, '%H:%M')}, when the event runs"
            )
    if item_id is None:
        item = AgendaItem(event_id=event.id, position=_next_position(AgendaItem, event.id))
        db.session.add(item)
    else:
        item = _child(AgendaItem, event.id, item_id)
    item.title, item.details, item.minutes_from_start = title.strip(), details.strip(), minutes
    db.session.flush()
    record("event.agenda_saved", event, actor=actor, item_id=item.id)
    db.session.commit()
    return item


def save_speaker(
    event_id: int, speaker_id: int | None, values: dict[str, str | None], *, actor: User
) -> Speaker:
    event = _managed(event_id, actor)
    if speaker_id is None:
        speaker = Speaker(event_id=event.id, position=_next_position(Speaker, event.id))
        db.session.add(speaker)
    else:
        speaker = _child(Speaker, event.id, speaker_id)
    for key in ("name", "role", "organisation", "talk_title"):
        setattr(speaker, key, (values.get(key) or "").strip())
    speaker.slides_url = (values.get("slides_url") or "").strip() or None
    db.session.flush()
    record("event.speaker_saved", event, actor=actor, speaker_id=speaker.id)
    db.session.commit()
    return speaker


def _child(model: type[Child], event_id: int, child_id: int) -> Child:
    child = db.session.get(model, child_id)
    if child is None or child.event_id != event_id:
        raise NotFound("There is no such item.")
    return child


def delete_child(
    model: type[AgendaItem] | type[Speaker], event_id: int, child_id: int, *, actor: User
) -> None:
    event = _managed(event_id, actor)
    child = _child(model, event.id, child_id)
    db.session.delete(child)
    record(f"event.{model.__tablename__.removeprefix('event_')}_deleted", event, actor=actor)
    db.session.commit()


def move_child(
    model: type[AgendaItem] | type[Speaker],
    event_id: int,
    child_id: int,
    direction: int,
    *,
    actor: User,
) -> None:
    """Swap with the neighbour above (-1) or below (+1)."""
    event = _managed(event_id, actor)
    siblings = list(
        db.session.execute(
            select(model).where(model.event_id == event.id).order_by(model.position, model.id)
        ).scalars()
    )
    index = next((i for i, c in enumerate(siblings) if c.id == child_id), None)
    if index is None:
        raise NotFound("There is no such item.")
    other = index + direction
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, child in enumerate(siblings):
            child.position = position
    db.session.commit()


# Invitation codes and check-in codes --------------------------------------------------------


def add_invite_code(
    event_id: int, code: str | None, label: str, max_uses: int | None, *, actor: User
) -> InviteCode:
    event = _managed(event_id, actor)
    code = (code or "").strip().upper() or _random_code(INVITE_CODE_LENGTH)
    clash = db.session.execute(
        select(InviteCode.id).where(InviteCode.event_id == event.id, InviteCode.code == code)
    ).first()
    if clash:
        raise EventError("This event already has that code: choose another")
    invite = InviteCode(
        event_id=event.id,
        code=code,
        label=label.strip(),
        max_uses=max_uses,
        created_by_id=actor.id,
    )
    db.session.add(invite)
    db.session.flush()
    record("event.invite_code_added", event, actor=actor, invite_code_id=invite.id)
    db.session.commit()
    return invite


def set_invite_code_active(event_id: int, code_id: int, active: bool, *, actor: User) -> None:
    event = _managed(event_id, actor)
    invite = db.session.get(InviteCode, code_id)
    if invite is None or invite.event_id != event.id:
        raise NotFound("There is no such code.")
    invite.active = active
    record(
        "event.invite_code_" + ("enabled" if active else "disabled"),
        event,
        actor=actor,
        invite_code_id=invite.id,
    )
    db.session.commit()


def new_checkin_code(event_id: int, *, actor: User) -> str:
    """A fresh code to show on screen; any older code stops working."""
    event = _managed(event_id, actor)
    event.checkin_code = _random_code(CHECKIN_CODE_LENGTH)
    record("event.checkin_code", event, actor=actor)
    db.session.commit()
    return event.checkin_code


# Attendance --------------------------------------------------------------------------------


def _attendance_open(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventError("This event was cancelled, so nobody attended it")
    if utcnow() < event.starts_at - CHECKIN_OPENS_BEFORE:
        raise EventError("Attendance can be recorded once the event is about to start")


def mark_attendance(
    event_id: int, registration_ids: list[int], attended: bool, *, actor: User
) -> int:
    """Mark confirmed registrants as attended (or not); returns how many changed."""
    event = _managed(event_id, actor)
    _attendance_open(event)
    if not registration_ids:
        raise EventError("Select at least one person")
    chosen = Registration.id.in_(registration_ids)
    values: dict[str, object]
    if attended:
        condition = Registration.attended_at.is_(None)
        values = {"attended_at": utcnow(), "attendance_method": AttendanceMethod.FACILITATOR.value}
    else:
        condition = Registration.attended_at.is_not(None)
        values = {"attended_at": None, "attendance_method": None}
    result = db.session.execute(
        update(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
            chosen,
            condition,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount
    record("event.attendance", event, actor=actor, attended=attended, changed=changed)
    db.session.commit()
    return changed


@dataclass(frozen=True)
class AttendanceImport:
    marked: int
    already: int
    not_registered: int


def mark_attendance_from_list(event_id: int, text: str, *, actor: User) -> AttendanceImport:
    """Paste the e-mail addresses from a meeting's attendance report (any separators)."""
    event = _managed(event_id, actor)
    addresses = {normalise_email(a) for a in re.findall(r"[^\s,;<>\"']+@[^\s,;<>\"']+", text)}
    if not addresses:
        raise EventError("Paste at least one e-mail address")
    _attendance_open(event)
    rows = list(
        db.session.execute(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED.value,
                Registration.email.in_(addresses),
            )
        ).scalars()
    )
    now, marked, already = utcnow(), 0, 0
    for registration in rows:
        if registration.attended_at is None:
            registration.attended_at = now
            registration.attendance_method = AttendanceMethod.FACILITATOR.value
            marked += 1
        else:
            already += 1
    result = AttendanceImport(marked, already, len(addresses) - len(rows))
    record(
        "event.attendance_list",
        event,
        actor=actor,
        marked=marked,
        already=already,
        not_registered=result.not_registered,
    )
    db.session.commit()
    return result


def export_registrants(event_id: int, filters: reports.RegistrantFilter, *, actor: User) -> str:
    """The registrant list as CSV; exporting personal data is audited (who, which, how many)."""
    event = _managed(event_id, actor)
    text, rows = reports.registrants_csv(event.id, filters)
    record("event.registrants_exported", event, actor=actor, rows=rows)
    db.session.commit()
    return text


# Messages ------------------------------------------------------------------------------------

AUDIENCES = {
    "confirmed": "People with a place",
    "waitlisted": "People on the waiting list",
    "attended": "People who attended",
}


def message_recipients(event_id: int, audiences: list[str]) -> list[Registration]:
    conditions = []
    if "confirmed" in audiences:
        conditions.append(Registration.status == RegistrationStatus.CONFIRMED.value)
    if "waitlisted" in audiences:
        conditions.append(Registration.status == RegistrationStatus.WAITLISTED.value)
    if "attended" in audiences:
        conditions.append(Registration.attended_at.is_not(None))
    if not conditions:
        return []
    return list(
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event_id, or_(*conditions))
            .order_by(Registration.id)
        ).scalars()
    )


def send_message(
    event_id: int, audiences: list[str], subject: str, body: str, *, actor: User
) -> EventMessage:
    event = _managed(event_id, actor)
    audiences = [a for a in AUDIENCES if a in audiences]
    if not audiences:
        raise EventError("Choose who should get the message")
    people = message_recipients(event.id, audiences)
    if not people:
        raise EventError("Nobody matches: the message was not sent")
    for registration in people:
        emails.facilitator_message(registration, subject.strip(), body.strip())
    message = EventMessage(
        event_id=event.id,
        sender_id=actor.id,
        audience=",".join(audiences),
        subject=subject.strip(),
        body=body.strip(),
        recipient_count=len(people),
    )
    db.session.add(message)
    db.session.flush()
    record("event.message", event, actor=actor, message_id=message.id, recipients=len(people))
    db.session.commit()
    return message


# Series and cohorts ----------------------------------------------------------------------


def save_series(
    series_id: int | None, title: str, kind: str, summary: str, *, actor: User
) -> EventSeries:
    if kind not in {k.value for k in SeriesKind}:
        raise EventError("Choose whether this is a series or a cohort")
    title = title.strip()
    clash = db.session.execute(
        select(EventSeries.id).where(
            func.lower(EventSeries.title) == title.lower(), EventSeries.id != (series_id or 0)
        )
    ).first()
    if clash:
        raise EventError("There is already a series with this title")
    if series_id is None:
        series = EventSeries(created_by_id=actor.id)
        db.session.add(series)
    else:
        found = db.session.get(EventSeries, series_id)
        if found is None:
            raise NotFound("There is no such series.")
        series = found
    series.title, series.kind, series.summary = title, kind, summary.strip()
    db.session.flush()
    record("event_series.save", series, actor=actor, title=title, kind=kind)
    db.session.commit()
    return series


def add_series_member(
    series_id: int, organisation: str, region: str, role: str, *, actor: User
) -> SeriesMember:
    series = db.session.get(EventSeries, series_id)
    if series is None:
        raise NotFound("There is no such series.")
    organisation = organisation.strip()
    if any(m.organisation.lower() == organisation.lower() for m in series.members):
        raise EventError("This organisation is already a member")
    member = SeriesMember(
        series_id=series.id, organisation=organisation, region=region, role=role.strip()
    )
    db.session.add(member)
    db.session.flush()
    record("event_series.member_added", series, actor=actor, organisation=organisation)
    db.session.commit()
    return member


def remove_series_member(series_id: int, member_id: int, *, actor: User) -> None:
    member = db.session.get(SeriesMember, member_id)
    if member is None or member.series_id != series_id:
        raise NotFound("There is no such member.")
    record(
        "event_series.member_removed", member.series, actor=actor, organisation=member.organisation
    )
    db.session.delete(member)
    db.session.commit()


def all_series() -> list[EventSeries]:
    return list(db.session.execute(select(EventSeries).order_by(EventSeries.title)).scalars())
