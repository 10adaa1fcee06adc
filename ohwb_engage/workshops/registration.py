"""Participants' use cases: register, join the waiting list, update, cancel, check in.

Seats follow ARCHITECTURE.md ("Seats without overbooking"): every use case starts with
``begin_write()`` (``BEGIN IMMEDIATE`` on SQLite, so writers queue); a seat is taken only by
the conditional ``UPDATE events SET seats_taken = seats_taken + 1 WHERE ... seats_taken <
capacity``, whose row lock on PostgreSQL lasts until the commit; and whoever frees a seat
locks the event row (``FOR UPDATE``) before promoting the next person on the waiting list,
in the same transaction. The locking order is always event row first, then registrations,
so two use cases can never deadlock each other. An event without a capacity has no seats
to count: a place there writes nothing to the event's row and takes only a shared lock on
it (PostgreSQL ``FOR SHARE``), so its registrations do not queue behind one another, while
a facilitator giving it a capacity waits for them and then counts them.

A new place's first e-mail is not written here: the row is marked ``notice_due`` and a job
drafts it (``notices.py``), keeping the busiest request to its writes.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import UTCDateTime, begin_write, is_sqlite, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.template_helpers import london
from ohwb_engage.workshops import emails, notices
from ohwb_engage.workshops.links import manage_token, manage_token_for
from ohwb_engage.workshops.models import (
    AttendanceMethod,
    Audience,
    Event,
    EventStatus,
    InviteCode,
    Registration,
    RegistrationStatus,
)

# Self check-in is open from a little before the start until a little after the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKIN_CLOSES_AFTER = timedelta(minutes=30)


class RegistrationError(Exception):
    """A rule said no; ``str()`` is the message for the page."""


class EventUnavailable(RegistrationError):
    """No such event for the public (unknown id or a draft): the view answers 404."""


class RegistrationClosed(RegistrationError):
    pass


class EventFull(RegistrationError):
    pass


class InviteCodeProblem(RegistrationError):
    pass


class InvalidDetails(RegistrationError):
    """Something the form could not check alone (the group must exist and be offered)."""


GROUP_MESSAGE = "Select the group that best describes you"


class CheckInProblem(RegistrationError):
    pass


class NoPlace(CheckInProblem):
    """Check-in refused because the address has no confirmed place."""


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_REGISTERED = "already_registered"


@dataclass(frozen=True)
class Registrant:
    """What the registration form collects (shape already checked by the form)."""

    name: str
    email: str
    organisation: str = ""
    job_role: str = ""
    stakeholder_group_id: int | None = None
    region: str = ""
    access_needs: str = ""
    consent_contact: bool = False


@dataclass(frozen=True)
class RegistrationResult:
    registration_id: int
    outcome: Outcome
    position: int | None = None
    token: str = ""  # the manage link's token, for the confirmation page (new places only)

    @property
    def registration(self) -> Registration:
        """Loaded on demand: the busiest path writes its row without building an object."""
        registration = db.session.get(Registration, self.registration_id)
        assert registration is not None, "a result is only made for a committed registration"
        return registration


@dataclass(frozen=True)
class CancelResult:
    registration: Registration
    promoted: list[Registration]
    changed: bool


def normalise_email(email: str) -> str:
    return email.strip().lower()


def closes_at(event: Event) -> datetime:
    """Registration closes at the set time, or when the event starts."""
    return event.registration_closes_at or event.starts_at


def registration_problem(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can register now, in words for the page; None when registration is open."""
    problem = _window_problem(event, now or utcnow())
    if problem is None and event.is_full and not event.waitlist_enabled:
        return "This event is full and has no waiting list."
    return problem


def _staff_problem(event: Event, now: datetime) -> str | None:
    """Why staff cannot add someone by hand: the window and the audience do not apply."""
    if event.status == EventStatus.CANCELLED:
        return "This event has been cancelled."
    if event.status != EventStatus.PUBLISHED:
        return "Publish the event before adding people to it."
    if now >= event.ends_at:
        return "This event has finished, so nobody can be added to it."
    return None


def _window_problem(event: Event, now: datetime) -> str | None:
    if event.status == EventStatus.CANCELLED:
        return "This event has been cancelled."
    if event.status != EventStatus.PUBLISHED:
        return "This event is not open for registration."
    if now >= event.ends_at:
        return "This event has finished."
    if event.registration_opens_at and now < event.registration_opens_at:
        return f"Registration opens on {london(event.registration_opens_at)}."
    if now >= closes_at(event):
        return "Registration for this event has closed."
    return None


def public_event(event_id: int) -> Event:
    """A published or cancelled event; drafts and unknown ids are not found."""
    event = db.session.get(Event, event_id)
    if event is None or event.status == EventStatus.DRAFT:
        raise EventUnavailable("There is no such event.")
    return event


_EVENTS = Event.__table__
# Built once: this runs for every registration, and a Core statement skips the ORM's work.
_TAKE_SEAT = (
    update(_EVENTS)
    .where(
        _EVENTS.c.id == bindparam("event_id"),
        _EVENTS.c.status == EventStatus.PUBLISHED.value,
        _EVENTS.c.capacity.is_not(None),
        _EVENTS.c.seats_taken < _EVENTS.c.capacity,
    )
    .values(seats_taken=_EVENTS.c.seats_taken + 1)
)
# A published event without a capacity, share-locked: see _take_seat.
_UNLIMITED = (
    select(_EVENTS.c.id)
    .where(
        _EVENTS.c.id == bindparam("event_id"),
        _EVENTS.c.status == EventStatus.PUBLISHED.value,
        _EVENTS.c.capacity.is_(None),
    )
    .with_for_update(read=True)
)


def upcoming_query(kind: str | None = None) -> Select[tuple[Event]]:
    """Published events that have not ended, soonest first: the public list."""
    stmt = (
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED.value, Event.ends_at > utcnow())
        .order_by(Event.starts_at, Event.id)
    )
    return stmt.where(Event.kind == kind) if kind else stmt


def _take_seat(event_id: int) -> bool:
    """The only way a seat is taken: atomic, so confirmed never exceeds capacity.

    An event without a capacity has no seat to take: the place is given under a shared lock
    on its row (PostgreSQL; SQLite's write lock is held already), which a facilitator
    setting a capacity must wait for, so the count they start from includes this place.
    """
    if db.session.execute(_TAKE_SEAT, {"event_id": event_id}).rowcount == 1:
        return True
    return db.session.execute(_UNLIMITED, {"event_id": event_id}).first() is not None


def _release_seat(event_id: int) -> None:
    db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.capacity.is_not(None), Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def places_given(event: Event) -> int:
    """Confirmed places: the seat count where there is a capacity, else counted."""
    return places_given_to([event])[event.id]


def places_given_to(events: list[Event]) -> dict[int, int]:
    """``places_given`` for a page of events, counting in one query where it must."""
    given = {e.id: e.seats_taken for e in events if e.capacity is not None}
    unlimited = [e.id for e in events if e.capacity is None]
    if unlimited:
        counts = db.session.execute(
            select(Registration.event_id, func.count())
            .where(
                Registration.event_id.in_(unlimited),
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
            .group_by(Registration.event_id)
        ).all()
        given.update(dict.fromkeys(unlimited, 0))
        given.update({event_id: int(n) for event_id, n in counts})
    return given


def lock_event(event_id: int) -> Event | None:
    """Lock the event row until the commit (PostgreSQL; SQLite's BEGIN IMMEDIATE already has).

    ``FOR NO KEY UPDATE``, the lock an UPDATE of the seat count takes, rather than ``FOR
    UPDATE``: inserting a registration holds ``FOR KEY SHARE`` on its event (the foreign
    key), which ``FOR UPDATE`` would wait for, so two full-event registrations would
    deadlock each other. ``FOR NO KEY UPDATE`` queues behind seat changes, not inserts.
    """
    return db.session.execute(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update(key_share=True)  # renders FOR NO KEY UPDATE
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


# Built once: every new place on a waiting list counts who is ahead.
_REGISTRATIONS = Registration.__table__
_AHEAD_IN_QUEUE = select(func.count()).where(
    _REGISTRATIONS.c.event_id == bindparam("event_id"),
    _REGISTRATIONS.c.status == RegistrationStatus.WAITLISTED.value,
    or_(
        _REGISTRATIONS.c.waitlisted_at < bindparam("waitlisted_at", type_=UTCDateTime()),
        and_(
            _REGISTRATIONS.c.waitlisted_at == bindparam("waitlisted_at", type_=UTCDateTime()),
            _REGISTRATIONS.c.id < bindparam("id"),
        ),
    ),
)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to be offered a place; None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    return _queue_number(registration.event_id, registration.waitlisted_at, registration.id)


def _queue_number(event_id: int, waitlisted_at: datetime, registration_id: int) -> int:
    """1 + how many wait ahead: joined earlier, or at the same instant with a lower id."""
    params = {"event_id": event_id, "waitlisted_at": waitlisted_at, "id": registration_id}
    return 1 + int(db.session.execute(_AHEAD_IN_QUEUE, params).scalar_one())


def _use_invite_code(event: Event, code: str | None) -> InviteCode:
    code = (code or "").strip().upper()
    if not code:
        raise InviteCodeProblem(
            "This event is by invitation: enter the invitation code you were given"
        )
    invite = db.session.execute(
        select(InviteCode).where(
            InviteCode.event_id == event.id, InviteCode.code == code, InviteCode.active.is_(True)
        )
    ).scalar_one_or_none()
    if invite is None:
        raise InviteCodeProblem("This invitation code is not right. Check it and try again")
    used = db.session.execute(
        update(InviteCode)
        .where(
            InviteCode.id == invite.id,
            or_(InviteCode.max_uses.is_(None), InviteCode.uses < InviteCode.max_uses),
        )
        .values(uses=InviteCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise InviteCodeProblem("This invitation code has been used as many times as it allows")
    return invite


def _existing(event_id: int, email: str) -> Registration | None:
    return db.session.execute(
        select(Registration).where(Registration.event_id == event_id, Registration.email == email)
    ).scalar_one_or_none()


def _resend(registration: Registration) -> RegistrationResult:
    emails.manage_link_again(registration)
    db.session.commit()
    return RegistrationResult(registration.id, Outcome.ALREADY_REGISTERED)


def _check_group(group_id: int | None) -> None:
    if group_id is None:
        return
    group = db.session.get(StakeholderGroup, group_id)
    if group is None or not group.active:
        raise InvalidDetails(GROUP_MESSAGE)


def _details(person: Registrant) -> dict[str, object]:
    """The columns the person's details fill, cleaned."""
    return {
        "name": person.name.strip(),
        "organisation": person.organisation.strip(),
        "job_role": person.job_role.strip(),
        "stakeholder_group_id": person.stakeholder_group_id,
        "region": person.region.strip(),
        "access_needs": person.access_needs.strip(),
        "consent_contact": person.consent_contact,
    }


def _apply_details(registration: Registration, person: Registrant) -> None:
    for column, value in _details(person).items():
        setattr(registration, column, value)


_INSERT_REGISTRATION = insert(Registration.__table__)


def _newcomer_values(event_id: int, email: str, person: Registrant) -> dict[str, object]:
    """The columns a new confirmed place sets; the rest keep their defaults (NULL)."""
    now = utcnow()
    return {
        "event_id": event_id,
        "email": email,
        **_details(person),
        "status": RegistrationStatus.CONFIRMED.value,
        "created_at": now,
        "updated_at": now,
        "notice_due": True,
    }


def _confirmed_values(
    event_id: int, email: str, person: Registrant, invite: InviteCode | None
) -> dict[str, object]:
    """Every column of a new confirmed place, for the object the slow path keeps."""
    return {
        **_newcomer_values(event_id, email, person),
        "cancelled_at": None,
        "attended_at": None,
        "waitlisted_at": None,
        "promoted_at": None,
        "attendance_method": None,
        "invite_code_id": invite.id if invite else None,
    }


def _insert_row(values: dict[str, object]) -> int:
    """One Core INSERT, no object: a second registration for this address fails here (the
    unique constraint), and the unit of work would cost more than the statement."""
    return int(db.session.execute(_INSERT_REGISTRATION, values).inserted_primary_key[0])


def _insert_confirmed(
    event_id: int, email: str, person: Registrant, invite: InviteCode | None
) -> Registration:
    """Write a new confirmed registration and return it as a persistent, clean object."""
    values = _confirmed_values(event_id, email, person, invite)
    registration = Registration(id=_insert_row(values), **values)
    make_transient_to_detached(registration)
    db.session.add(registration)
    return registration


def register(
    event_id: int,
    person: Registrant,
    invite_code: str | None = None,
    *,
    added_by: User | None = None,
) -> RegistrationResult:
    """Give this person a place, or a place on the waiting list; never two registrations.

    The same e-mail address again returns the existing registration and e-mails its manage
    link again (never shown on the page: anyone can type someone else's address).

    Every registration for an event queues on its seat count (the database's write lock on
    SQLite, the event's row on PostgreSQL), so the common case reads nothing first: the
    conditional UPDATE checks the rules and takes the seat, then the registration and its
    e-mail are inserted (``_confirm_at_once``). Only when that says no (full, closed, an
    address already registered, an invitation needed) does the slow path read the event,
    this address's registration and the group, say why, or lock the event row and turn the
    registration into a place on the waiting list.

    ``added_by``: a facilitator adds this person by hand (a phone call, a walk-in). The
    registration window and invitation codes do not apply, the seats and the waiting list
    do; an address already registered is reported, not e-mailed again; it is audited.
    """
    email = normalise_email(person.email)
    for attempt in range(2):
        try:
            return _register_once(event_id, person, email, invite_code, added_by)
        except IntegrityError:
            # Two requests for the same address raced past the lookup; the unique
            # constraint stopped the second. Start again: it now finds the first.
            db.session.rollback()
            if attempt:
                raise
        except RegistrationError:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


_LOOK_UP = (
    select(
        Event,
        Registration,
        select(StakeholderGroup.active)
        .where(StakeholderGroup.id == bindparam("group_id"))
        .scalar_subquery(),
    )
    .outerjoin(
        Registration,
        and_(Registration.event_id == Event.id, Registration.email == bindparam("email")),
    )
    .where(Event.id == bindparam("event_id"))
)


def _look_up(
    event_id: int, email: str, group_id: int | None
) -> tuple[Event | None, Registration | None, bool]:
    """The event, this address's registration for it, and whether the group may be chosen,
    in one query: this runs for every registration, so round trips count."""
    row = db.session.execute(
        _LOOK_UP, {"event_id": event_id, "email": email, "group_id": group_id}
    ).first()
    if row is None:
        return None, None, False
    return row[0], row[1], group_id is None or bool(row[2])


def _screen(
    event: Event | None, existing: Registration | None, group_ok: bool, by_staff: bool = False
) -> bool:
    """Raise why this person cannot register now; True when they already hold a live
    registration (whose link is sent again), False when a new one may be written."""
    if event is None or (event.status == EventStatus.DRAFT and not by_staff):
        raise EventUnavailable("There is no such event.")
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        return True
    now = utcnow()
    problem = _staff_problem(event, now) if by_staff else _window_problem(event, now)
    if problem:  # whether it is full is for the conditional UPDATE to say, not this read
        raise RegistrationClosed(problem)
    if not group_ok:
        raise InvalidDetails(GROUP_MESSAGE)
    return False


_GROUPS = StakeholderGroup.__table__


def _newcomer_rules(with_group: bool) -> list[ColumnElement[bool]]:
    """``_window_problem``'s rules for an open registration now, and the stakeholder
    group's check, as SQL: the fast paths decide in their WHERE instead of reading first."""
    now = bindparam("now", type_=UTCDateTime())
    rules = [
        _EVENTS.c.audience == Audience.OPEN.value,
        _EVENTS.c.ends_at > now,
        or_(_EVENTS.c.registration_opens_at.is_(None), _EVENTS.c.registration_opens_at <= now),
        func.coalesce(_EVENTS.c.registration_closes_at, _EVENTS.c.starts_at) > now,
    ]
    if with_group:
        rules.append(
            exists().where(_GROUPS.c.id == bindparam("group_id"), _GROUPS.c.active.is_(True))
        )
    return rules


def _seat_for_newcomer(with_group: bool) -> Update:
    """Take a seat only if an open registration may take it now.

    The rules, the capacity and the group's check in the UPDATE's WHERE: one statement
    decides and takes the seat. No row means some rule said no (or the event is not
    there, or has no capacity); the next path says which.
    """
    return _TAKE_SEAT.where(*_newcomer_rules(with_group))


_SEAT_FOR_NEWCOMER = {True: _seat_for_newcomer(True), False: _seat_for_newcomer(False)}

# What a newcomer's INSERT sets (``_newcomer_values`` but the event, read from its row).
_NEWCOMER_COLUMNS = (
    "email",
    "name",
    "organisation",
    "job_role",
    "stakeholder_group_id",
    "region",
    "access_needs",
    "consent_contact",
    "status",
    "created_at",
    "updated_at",
    "notice_due",
)


def _join_unlimited(with_group: bool) -> Insert:
    """A place at an event without a capacity, in one statement that writes only the
    registration: INSERT ... SELECT from the event's row when the rules allow, under a
    shared lock (PostgreSQL ``FOR SHARE``: concurrent places do not wait for each other; a
    facilitator giving the event a capacity does, and then counts them). No row inserted:
    some rule said no, or the event has a capacity after all."""
    source = select(
        _EVENTS.c.id,
        *(bindparam(name, type_=_REGISTRATIONS.c[name].type) for name in _NEWCOMER_COLUMNS),
    ).where(
        _EVENTS.c.id == bindparam("event_id"),
        _EVENTS.c.status == EventStatus.PUBLISHED.value,
        _EVENTS.c.capacity.is_(None),
        *_newcomer_rules(with_group),
    )
    return (
        insert(_REGISTRATIONS)
        .from_select(("event_id", *_NEWCOMER_COLUMNS), source.with_for_update(read=True))
        .returning(_REGISTRATIONS.c.id)
    )


_JOIN_UNLIMITED = {True: _join_unlimited(True), False: _join_unlimited(False)}


def _queue_for_newcomer(with_group: bool) -> Select[Any]:
    """The event, locked, when an open registration may join its waiting list now.

    The same rules as ``_seat_for_newcomer`` except the last: the event must be full and
    keep a waiting list. The lock (SQLite's write lock, already held; PostgreSQL's ``FOR NO
    KEY UPDATE``, the seat count's own) makes a cancellation wait for our commit, so it
    promotes us in order, and a cancellation that freed a seat first shows here as no row.
    """
    stmt = select(_EVENTS.c.id).where(
        _EVENTS.c.id == bindparam("event_id"),
        _EVENTS.c.status == EventStatus.PUBLISHED.value,
        _EVENTS.c.waitlist_enabled.is_(True),
        _EVENTS.c.capacity.is_not(None),
        _EVENTS.c.seats_taken >= _EVENTS.c.capacity,
        *_newcomer_rules(with_group),
    )
    return stmt.with_for_update(key_share=True)  # see lock_event


_QUEUE_FOR_NEWCOMER = {True: _queue_for_newcomer(True), False: _queue_for_newcomer(False)}

# Whether an event was last seen with a capacity, per process: it only orders the fast
# path's statements (each checks the capacity itself), so a stale entry costs a statement.
_HAS_CAPACITY: dict[int, bool] = {}
_HAS_CAPACITY_MAX = 10_000


def _remember_capacity(event_id: int, has_capacity: bool) -> None:
    if len(_HAS_CAPACITY) >= _HAS_CAPACITY_MAX:
        _HAS_CAPACITY.clear()
    _HAS_CAPACITY[event_id] = has_capacity


def _confirm_at_once(event_id: int, email: str, person: Registrant) -> RegistrationResult | None:
    """The common cases, a new address for an open event, in one short write: a place, or,
    when the event is full, a place on its waiting list.

    No read first. An event without a capacity: one INSERT ... SELECT checks every rule as
    it writes the registration. An event with a capacity: the conditional UPDATE checks
    every rule and takes the seat, then the registration is inserted; when no seat was
    taken, a locking SELECT with the same rules says whether the waiting list may take the
    person (``_queue_at_once``). The e-mail is owed by the row (``notice_due``), not written
    here, so the write lock (SQLite) or the event's row lock (PostgreSQL) is held briefly.
    None when a rule said no or the address is already registered (the unique constraint):
    everything is rolled back and the caller takes the path that reads and explains.
    """
    values = _newcomer_values(event_id, email, person)
    created_at = values["created_at"]
    assert isinstance(created_at, datetime)
    group_id = person.stakeholder_group_id
    with_group = group_id is not None
    params = {"event_id": event_id, "now": created_at, "group_id": group_id}
    begin_write()
    try:
        if _HAS_CAPACITY.get(event_id, True):
            if db.session.execute(_SEAT_FOR_NEWCOMER[with_group], params).rowcount != 1:
                return _queue_at_once(values, params)
            registration_id = _insert_row(values)
        else:
            found = db.session.execute(_JOIN_UNLIMITED[with_group], {**values, **params})
            registration_id = found.scalar_one_or_none()
            if registration_id is None:
                db.session.rollback()
                return None
    except IntegrityError:  # this address is registered already
        db.session.rollback()
        return None
    notices.owed()
    db.session.commit()
    token = manage_token_for(registration_id, email, created_at)
    return RegistrationResult(registration_id, Outcome.CONFIRMED, None, token)


def _queue_at_once(
    values: dict[str, object], params: dict[str, object]
) -> RegistrationResult | None:
    """The rest of ``_confirm_at_once`` for a full event: lock it, and if the waiting list
    may take this person, insert them last in the queue (stamped after the lock, so the
    queue is commit order) and count who is ahead. Under a 90-seat Breakfast Club most
    registrations land here. Raises ``IntegrityError`` for an address already registered."""
    row = db.session.execute(_QUEUE_FOR_NEWCOMER[params["group_id"] is not None], params).first()
    if row is None:
        db.session.rollback()
        return None
    now = utcnow()
    values = {**values, "status": RegistrationStatus.WAITLISTED.value, "waitlisted_at": now}
    registration_id = _insert_row(values)
    event_id, email, created_at = values["event_id"], values["email"], values["created_at"]
    assert isinstance(email, str) and isinstance(created_at, datetime)
    position = _queue_number(int(event_id), now, registration_id)
    notices.owed()
    db.session.commit()
    token = manage_token_for(registration_id, email, created_at)
    return RegistrationResult(registration_id, Outcome.WAITLISTED, position, token)


def _look_again(
    event_id: int, person: Registrant, email: str, by_staff: bool = False
) -> tuple[Event, Registration | None, bool]:
    if is_sqlite():
        begin_write()  # SQLite: take the database's write lock first, or a later write fails
    # PostgreSQL: nothing read here is locked; the writes below re-check what could change.
    event, existing, group_ok = _look_up(event_id, email, person.stakeholder_group_id)
    registered = _screen(event, existing, group_ok, by_staff)
    assert event is not None  # _screen raised otherwise
    _remember_capacity(event_id, event.capacity is not None)
    return event, existing, registered


def _register_once(
    event_id: int,
    person: Registrant,
    email: str,
    invite_code: str | None,
    added_by: User | None = None,
) -> RegistrationResult:
    if added_by is None:
        result = _confirm_at_once(event_id, email, person)
        if result is not None:
            return result
    event, existing, registered = _look_again(event_id, person, email, added_by is not None)
    if registered:
        assert existing is not None
        if added_by is not None:  # staff see who it is; the person is not e-mailed again
            db.session.rollback()
            return RegistrationResult(existing.id, Outcome.ALREADY_REGISTERED)
        return _resend(existing)
    waitlist_enabled, seemed_full = event.waitlist_enabled, event.is_full
    if existing is not None:
        # Coming back after cancelling: lock in the usual order (event, then registration)
        # and look again, so a racing request for the same address cannot also take a seat.
        lock_event(event_id)
        db.session.refresh(existing, with_for_update=True)
        if existing.status != RegistrationStatus.CANCELLED:
            return _resend(existing)
    invite = (
        _use_invite_code(event, invite_code)
        if event.audience == Audience.INVITE and added_by is None
        else None
    )
    if existing is None and not seemed_full:
        registration = _insert_confirmed(event_id, email, person, invite)
    else:
        registration = existing or Registration(event_id=event_id, email=email, created_at=utcnow())
        _apply_details(registration, person)
        registration.cancelled_at = registration.attended_at = registration.promoted_at = None
        registration.attendance_method = None
        registration.invite_code_id = invite.id if invite else None
        registration.notice_due = True
        if existing is None:
            db.session.add(registration)
        if not seemed_full:
            registration.status = RegistrationStatus.CONFIRMED.value
            registration.waitlisted_at = None
            db.session.flush()

    notices.owed()
    # Most registrations: write as confirmed and take the seat last, so the seat's lock is
    # held only for that UPDATE and the commit.
    if not seemed_full and _take_seat(event_id):
        _audit_added(registration, added_by)
        db.session.commit()
        return RegistrationResult(
            registration.id, Outcome.CONFIRMED, None, manage_token(registration)
        )
    try:
        with db.session.no_autoflush:  # the registration has no status yet
            status = _seat_or_queue(event_id, waitlist_enabled)
    except RegistrationError:
        if existing is None:  # its row goes with the rollback: so must the object
            db.session.expunge(registration)
        raise
    registration.status = status.value
    registration.waitlisted_at = utcnow() if status == RegistrationStatus.WAITLISTED else None
    db.session.flush()
    position = waitlist_position(registration)
    _audit_added(registration, added_by)
    db.session.commit()
    outcome = Outcome.CONFIRMED if status == RegistrationStatus.CONFIRMED else Outcome.WAITLISTED
    return RegistrationResult(registration.id, outcome, position, manage_token(registration))


def _audit_added(registration: Registration, added_by: User | None) -> None:
    if added_by is not None:
        record(
            "registration.add",
            registration,
            actor=added_by,
            event_id=registration.event_id,
            status=registration.status,
        )


def _seat_or_queue(event_id: int, waitlist_enabled: bool) -> RegistrationStatus:
    """The event looked full: lock its row so nobody frees a seat between this check and our
    commit (a cancellation then waits for us and promotes us in order), and look again."""
    locked = lock_event(event_id)
    if locked is None or locked.status != EventStatus.PUBLISHED:
        raise RegistrationClosed("This event is not open for registration.")
    if _take_seat(event_id):
        return RegistrationStatus.CONFIRMED
    if not waitlist_enabled:
        raise EventFull("This event is full and has no waiting list.")
    return RegistrationStatus.WAITLISTED  # stamped after the lock: the queue is commit order


def fill_free_seats(event: Event) -> list[Registration]:
    """Promote people from the waiting list into free seats, in order. Only flushes.

    Call with the event row locked (``lock_event``). Nobody is promoted into a cancelled
    event or once it has started: a place offered too late helps no one.
    """
    if event.status != EventStatus.PUBLISHED or utcnow() >= event.starts_at:
        return []
    db.session.refresh(event, ["seats_taken", "capacity"])
    free = None if event.capacity is None else event.capacity - event.seats_taken
    if free is not None and free <= 0:
        return []
    stmt = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
        .with_for_update()
    )
    if free is not None:
        stmt = stmt.limit(free)
    promoted = []
    now = utcnow()
    for registration in db.session.execute(stmt).scalars():
        if not _take_seat(event.id):
            break
        registration.status = RegistrationStatus.CONFIRMED.value
        registration.promoted_at = now
        promoted.append(registration)
    db.session.flush()
    for registration in promoted:
        emails.promoted(registration)
    if promoted:
        db.session.refresh(event, ["seats_taken"])
    return promoted


def cancel(registration_id: int, *, actor: User | None = None) -> CancelResult:
    """Give up a place (or leave the waiting list); the next person is promoted at once.

    ``actor`` is the staff member cancelling on someone's behalf, or None for the person.
    Cancelling twice is harmless: the second time changes nothing.
    """
    begin_write()
    found = db.session.get(Registration, registration_id)
    if found is None:
        raise EventUnavailable("There is no such registration.")
    event = lock_event(found.event_id)
    assert event is not None  # a registration's event cannot vanish (foreign key)
    registration = db.session.execute(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if registration.status == RegistrationStatus.CANCELLED:
        db.session.commit()
        return CancelResult(registration, [], changed=False)
    if utcnow() >= event.ends_at:
        db.session.rollback()
        raise RegistrationClosed(
            "This event has finished, so the registration cannot be cancelled."
        )
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED.value
    registration.cancelled_at = utcnow()
    db.session.flush()
    if was_confirmed:
        _release_seat(event.id)
    promoted = fill_free_seats(event)
    emails.cancelled_by_participant(registration, by_staff=actor is not None)
    if actor is not None:
        record(
            "registration.cancel",
            registration,
            actor=actor,
            event_id=event.id,
            promoted=len(promoted),
        )
    db.session.commit()
    return CancelResult(registration, promoted, changed=True)


def update_details(registration_id: int, person: Registrant) -> Registration:
    """The participant corrects their details; the e-mail address stays (it is the identity)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise EventUnavailable("There is no such registration.")
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationClosed("This registration has been cancelled. Register again instead.")
    _check_group(person.stakeholder_group_id)
    _apply_details(registration, person)
    db.session.commit()
    return registration


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    return event.starts_at - CHECKIN_OPENS_BEFORE, event.ends_at + CHECKIN_CLOSES_AFTER


def checkin_open(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    opens, closes = checkin_window(event)
    return event.status == EventStatus.PUBLISHED and opens <= now <= closes


def _check_code(event: Event, code: str) -> None:
    if not checkin_open(event):
        opens, _ = checkin_window(event)
        if utcnow() < opens:
            raise CheckInProblem(f"Check-in opens at {london(opens)}.")
        raise CheckInProblem("Check-in for this event has closed.")
    given = (code or "").strip().upper().encode()
    expected = (event.checkin_code or "").encode()
    if not expected or not hmac.compare_digest(given, expected):
        raise CheckInProblem(
            "This check-in code is not right. Check the code on screen and try again"
        )


def _mark_self(registration: Registration) -> Registration:
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NoPlace(
            "We could not check you in: this e-mail address does not have a confirmed place. "
            "Ask the facilitator."
        )
    if registration.attended_at is None:
        registration.attended_at = utcnow()
        registration.attendance_method = AttendanceMethod.SELF.value
    db.session.commit()
    return registration


def check_in(event_id: int, email: str, code: str) -> Registration:
    """A participant checks themselves in with the code on screen and their e-mail address."""
    event = public_event(event_id)
    _check_code(event, code)
    registration = _existing(event.id, normalise_email(email))
    if registration is None:
        raise NoPlace(
            "We could not check you in: this e-mail address does not have a confirmed place. "
            "Use the address you registered with, or ask the facilitator."
        )
    return _mark_self(registration)


def check_in_with_link(registration_id: int, code: str) -> Registration:
    registration = db.session.get_one(Registration, registration_id)
    _check_code(registration.event, code)
    return _mark_self(registration)
