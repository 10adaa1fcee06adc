"""Events and registrations: the core every feature links to.

Seats: ``Event.seats_taken`` counts confirmed registrations and is only changed by a
conditional ``UPDATE ... WHERE seats_taken < capacity`` inside the registering transaction,
so confirmed seats can never exceed capacity however many people race for the last one.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
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


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


event_facilitators = Table(
    "event_facilitators",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


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
    seats_taken: Mapped[int] = mapped_column(default=0)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(String(10), default="open")
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    facilitators: Mapped[list[User]] = relationship(secondary=event_facilitators)
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def kind_enum(self) -> EventKind:
        return EventKind(self.kind)

    def is_facilitated_by(self, user: User) -> bool:
        return any(f.id == user.id for f in self.facilitators)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.status}>"


class Registration(db.Model):
    """One person's place (or place in the queue) at one event. No account needed."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),  # email is stored normalised (lower-case)
        CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="status_known"),
        Index("ix_registrations_event_status", "event_id", "status", "created_at"),
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

    event: Mapped[Event] = relationship(back_populates="registrations")
    stakeholder_group: Mapped[StakeholderGroup | None] = relationship()

    def __repr__(self) -> str:  # no name or e-mail: reprs end up in logs
        return f"<Registration {self.id} event={self.event_id} {self.status}>"
