"""Events and registrations: the core every feature links to.

Seats: ``Event.seats_taken`` counts the confirmed registrations of an event with a capacity
and is only changed by a conditional ``UPDATE ... WHERE seats_taken < capacity`` inside the
registering transaction, so confirmed seats can never exceed capacity however many people
race for the last one. An event without a capacity has nothing to count: it keeps 0 there
(a check constraint says so), and registering for it writes nothing to the event's row, so
on PostgreSQL registrations for a 90-person open webinar do not queue on that one row.
The waiting list is ordered by ``Registration.waitlisted_at`` (then id): the time a person
joined the queue, stamped while the event row is locked, so the order is the commit order.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ohwb_engage.accounts.models import User
from ohwb_engage.database import UTCDateTime, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import StakeholderGroup


class EventKind(enum.StrEnum):
    CODESIGN_WORKSHOP = "codesign_workshop"
    BREAKFAST_CLUB = "breakfast_club"
    ENGAGEMENT_SESSION = "engagement_session"
    COMMUNITY_OF_PRACTICE = "community_of_practice"
    FOCUS_GROUP = "focus_group"

    @property
    def label(self) -> str:
        return {
            EventKind.CODESIGN_WORKSHOP: "Co-design workshop",
            EventKind.BREAKFAST_CLUB: "Breakfast Club",
            EventKind.ENGAGEMENT_SESSION: "Engagement session",
            EventKind.COMMUNITY_OF_PRACTICE: "Community of Practice meeting",
            EventKind.FOCUS_GROUP: "Focus group",
        }[self]


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    OPEN = "open"
    INVITE = "invite"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class SeriesKind(enum.StrEnum):
    SERIES = "series"  # e.g. the Breakfast Club series
    COHORT = "cohort"  # e.g. a Community of Practice of member organisations

    @property
    def label(self) -> str:
        return {SeriesKind.SERIES: "Series", SeriesKind.COHORT: "Cohort"}[self]


class ReminderKind(enum.StrEnum):
    DAY = "day"
    HOUR = "hour"


class AttendanceMethod(enum.StrEnum):
    FACILITATOR = "facilitator"
    SELF = "self"


event_facilitators = Table(
    "event_facilitators",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class EventSeries(db.Model):
    """Events that belong together: a Breakfast Club series, or a Community of Practice cohort."""

    __tablename__ = "event_series"
    __table_args__ = (CheckConstraint("kind IN ('series', 'cohort')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=SeriesKind.SERIES.value)
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[SeriesMember]] = relationship(
        back_populates="series",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SeriesMember.organisation",
    )
    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.starts_at")

    @property
    def kind_enum(self) -> SeriesKind:
        return SeriesKind(self.kind)

    def __repr__(self) -> str:
        return f"<EventSeries {self.id} {self.kind}>"


class SeriesMember(db.Model):
    """A member organisation of a cohort (for example a pilot site)."""

    __tablename__ = "event_series_members"
    __table_args__ = (UniqueConstraint("series_id", "organisation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("event_series.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(120), default="")  # e.g. "Pilot site"

    series: Mapped[EventSeries] = relationship(back_populates="members")


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('codesign_workshop', 'breakfast_club', 'engagement_session', "
            "'community_of_practice', 'focus_group')",
            name="kind_known",
        ),
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status_known"),
        CheckConstraint("audience IN ('open', 'invite')", name="audience_known"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)",
            name="seats_within_capacity",
        ),
        CheckConstraint("capacity IS NOT NULL OR seats_taken = 0", name="unlimited_counts_none"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    join_url: Mapped[str | None] = mapped_column(String(500))  # shown to confirmed only
    venue: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column()  # None: unlimited
    seats_taken: Mapped[int] = mapped_column(default=0)  # confirmed, while there is a capacity
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(String(10), default="open")
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_series.id", ondelete="SET NULL"), index=True
    )
    # The short code a facilitator shows during the session so people can check themselves in.
    checkin_code: Mapped[str | None] = mapped_column(String(12))
    # Bumped when the time or place changes: calendar apps replace the older invitation.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    facilitators: Mapped[list[User]] = relationship(secondary=event_facilitators)
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )
    series: Mapped[EventSeries | None] = relationship(back_populates="events")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(AgendaItem.position, AgendaItem.id)",
    )
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Speaker.position, Speaker.id)",
    )
    invite_codes: Mapped[list[InviteCode]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InviteCode.id",
    )

    @property
    def kind_enum(self) -> EventKind:
        return EventKind(self.kind)

    @property
    def is_online(self) -> bool:
        return bool(self.join_url) and not self.venue

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats_taken)

    @property
    def has_ended(self) -> bool:
        return utcnow() >= self.ends_at

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.seats_taken >= self.capacity

    def is_facilitated_by(self, user: User) -> bool:
        return any(f.id == user.id for f in self.facilitators)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.status}>"


class AgendaItem(db.Model):
    __tablename__ = "event_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Relative to the start, so the agenda moves with the event when it is rescheduled.
    minutes_from_start: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda_items")

    @property
    def starts_at(self) -> datetime | None:
        if self.minutes_from_start is None:
            return None
        return self.event.starts_at + timedelta(minutes=self.minutes_from_start)


class Speaker(db.Model):
    __tablename__ = "event_speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    talk_title: Mapped[str] = mapped_column(String(200), default="")
    slides_url: Mapped[str | None] = mapped_column(String(500))

    event: Mapped[Event] = relationship(back_populates="speakers")


class InviteCode(db.Model):
    """A code that lets people register for an invite-only event; optionally limited in uses."""

    __tablename__ = "event_invite_codes"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_limit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # stored upper-case
    label: Mapped[str] = mapped_column(String(120), default="")  # who it was given to
    max_uses: Mapped[int | None] = mapped_column()
    uses: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship(back_populates="invite_codes")


class Registration(db.Model):
    """One person's place (or place in the queue) at one event. No account needed."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),  # email is stored normalised (lower-case)
        CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="status_known"),
        CheckConstraint(
            "attendance_method IS NULL OR attendance_method IN ('facilitator', 'self')",
            name="attendance_method_known",
        ),
        Index("ix_registrations_event_status", "event_id", "status", "created_at"),
        Index("ix_registrations_waitlist", "event_id", "status", "waitlisted_at", "id"),
        # Only the few rows whose first e-mail is still to be drafted (see notices.py).
        Index(
            "ix_registrations_notice_due",
            "id",
            sqlite_where=text("notice_due"),
            postgresql_where=text("notice_due"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(200), default="")
    stakeholder_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL")
    )
    region: Mapped[str] = mapped_column(String(80), default="")
    access_needs: Mapped[str] = mapped_column(Text, default="")
    consent_contact: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When this person joined the waiting list (kept after promotion, for the record).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance_method: Mapped[str | None] = mapped_column(String(12))
    invite_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_invite_codes.id", ondelete="SET NULL")
    )
    # The first e-mail (place confirmed, or on the waiting list) is still to be written: a
    # job drafts it from the row as it is then, so the busiest request does not.
    notice_due: Mapped[bool] = mapped_column(default=False, server_default=false())

    event: Mapped[Event] = relationship(back_populates="registrations")
    stakeholder_group: Mapped[StakeholderGroup | None] = relationship()

    @property
    def status_enum(self) -> RegistrationStatus:
        return RegistrationStatus(self.status)

    def __repr__(self) -> str:  # no name or e-mail: reprs end up in logs
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


class ReminderDelivery(db.Model):
    """One reminder queued for one registration: the unique key makes a second send impossible.

    The start time is part of the key, so moving an event re-arms its reminders.
    """

    __tablename__ = "event_reminders"
    __table_args__ = (
        UniqueConstraint("registration_id", "kind", "starts_at"),
        CheckConstraint("kind IN ('day', 'hour')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventMessage(db.Model):
    """A message a facilitator sent to an event's registrants, kept so the team can see it."""

    __tablename__ = "event_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    audience: Mapped[str] = mapped_column(String(60))  # comma-separated: confirmed,waitlisted...
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sender: Mapped[User | None] = relationship()
