"""Programmes and their roadmaps: items that trace back to reviewed themes, and references.

A *programme* is what the team publishes: a roadmap of items over a reviewed framework.
Items form a tree (a recommendation and the actions under it); only leaves hold a typed
progress, a parent's progress is rolled up from its children when shown (see
``roadmap.items``), so it can never disagree with them. The evidence behind an item is not
stored either: it is computed from the live framework through the themes it links to.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ohwb_engage.accounts.models import User
from ohwb_engage.database import UTCDateTime, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.themes.models import Framework, Theme, _in


class Horizon(enum.StrEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"

    @property
    def label(self) -> str:
        return {
            Horizon.SHORT: "0 to 12 months",
            Horizon.MEDIUM: "1 to 3 years",
            Horizon.LONG: "3 to 5 years",
        }[self]


class ItemStatus(enum.StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ReferenceKind(enum.StrEnum):
    ACADEMIC = "academic"
    PRACTICE = "practice"

    @property
    def label(self) -> str:
        return {
            ReferenceKind.ACADEMIC: "Academic evidence",
            ReferenceKind.PRACTICE: "Best-practice example",
        }[self]


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    # The reviewed framework whose themes the items link to and whose evidence they show.
    framework_id: Mapped[int | None] = mapped_column(
        ForeignKey("frameworks.id", ondelete="SET NULL"), index=True
    )
    # The public "You said, we did" page lives at /roadmap/p/<slug> once published.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    public_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Optimistic locking: two people editing one programme; the second gets a conflict.
    lock_version: Mapped[int] = mapped_column(default=1)

    framework: Mapped[Framework | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[RoadmapItem]] = relationship(
        back_populates="programme",
        order_by="(RoadmapItem.position, RoadmapItem.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def published(self) -> bool:
        return self.public_published_at is not None

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.slug}>"


class RoadmapItem(db.Model):
    __tablename__ = "roadmap_items"
    __table_args__ = (
        CheckConstraint(_in("horizon", Horizon), name="horizon_known"),
        CheckConstraint(_in("status", ItemStatus), name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_roadmap_items_programme_position", "programme_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    # Deleting a parent moves its children up a level (the service does); SET NULL is the
    # database's backstop, so no child is ever lost with its parent.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("roadmap_items.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    horizon: Mapped[str] = mapped_column(String(10), default=Horizon.SHORT.value)
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.PROPOSED.value)
    # Typed for leaves (100 when done); a parent shows its children's rolled-up mean instead.
    progress: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(back_populates="items")
    themes: Mapped[list[Theme]] = relationship(
        secondary="roadmap_item_themes", order_by="Theme.position"
    )
    references: Mapped[list[Reference]] = relationship(
        back_populates="item",
        order_by="(Reference.kind, Reference.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def horizon_enum(self) -> Horizon:
        return Horizon(self.horizon)

    @property
    def status_enum(self) -> ItemStatus:
        return ItemStatus(self.status)

    def __repr__(self) -> str:
        return f"<RoadmapItem {self.id} programme={self.programme_id}>"


class RoadmapItemTheme(db.Model):
    """A theme that supports an item: the item's evidence is the union of its themes'."""

    __tablename__ = "roadmap_item_themes"
    __table_args__ = (Index("ix_roadmap_item_themes_theme", "theme_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_items.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )


class Reference(db.Model):
    """Academic evidence or a best-practice example attached to an item."""

    __tablename__ = "roadmap_references"
    __table_args__ = (
        CheckConstraint(_in("kind", ReferenceKind), name="kind_known"),
        CheckConstraint("year IS NULL OR (year >= 1800 AND year <= 2200)", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default=ReferenceKind.ACADEMIC.value)
    title: Mapped[str] = mapped_column(String(300))
    authors: Mapped[str] = mapped_column(String(300), default="")  # or the organisation
    year: Mapped[int | None] = mapped_column()
    url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[RoadmapItem] = relationship(back_populates="references")

    @property
    def kind_enum(self) -> ReferenceKind:
        return ReferenceKind(self.kind)


class ProgrammeNotice(db.Model):
    """An address told that a programme's page was published: re-publishing never resends.

    Holds a keyed hash of the address (``privacy.services.subject_hash``), not the address.
    """

    __tablename__ = "programme_notices"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
