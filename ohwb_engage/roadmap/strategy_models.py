"""The draft strategy's versions, its invited reviewers and their comments.

A programme has at most one *draft* version: the title and introduction the team is
writing; its sections are assembled live from the framework and roadmap. Publishing
freezes the assembled document into the draft's ``content`` and makes it version N;
the next edit starts draft N+1. Reviewers read the latest published version through a
signed link, and their comments stay attached to the version they read.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ohwb_engage.accounts.models import User
from ohwb_engage.database import UTCDateTime, utcnow
from ohwb_engage.extensions import db


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ReviewerRole(enum.StrEnum):
    EXPERT = "expert"
    STEERING_GROUP = "steering_group"

    @property
    def label(self) -> str:
        return {
            ReviewerRole.EXPERT: "National expert",
            ReviewerRole.STEERING_GROUP: "Steering group member",
        }[self]


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class StrategyVersion(db.Model):
    __tablename__ = "strategy_versions"
    __table_args__ = (
        UniqueConstraint("programme_id", "number"),
        CheckConstraint(_in("status", VersionStatus), name="status_known"),
        CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_when_dated"
        ),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=VersionStatus.DRAFT.value)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    # The assembled document (roadmap.documents.to_json) frozen at publication; {} for a draft.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Optimistic locking: two people editing the introduction; the second gets a conflict.
    lock_version: Mapped[int] = mapped_column(default=1)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="version",
        order_by="ReviewComment.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED.value

    def __repr__(self) -> str:
        return f"<StrategyVersion {self.id} programme={self.programme_id} n={self.number}>"


class Reviewer(db.Model):
    """An expert or steering group member invited to read and comment on the draft."""

    __tablename__ = "strategy_reviewers"
    __table_args__ = (
        UniqueConstraint("programme_id", "email"),
        CheckConstraint(_in("role", ReviewerRole), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default=ReviewerRole.EXPERT.value)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by each new invitation and by revoking, so older links stop working.
    link_generation: Mapped[int] = mapped_column(default=1)

    @property
    def role_label(self) -> str:
        return ReviewerRole(self.role).label

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Reviewer {self.id} programme={self.programme_id}>"


class ReviewComment(db.Model):
    """A comment on one section of one version, by a reviewer or a member of staff."""

    __tablename__ = "strategy_comments"
    __table_args__ = (Index("ix_strategy_comments_version_section", "version_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("strategy_versions.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(80))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy_reviewers.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "Dr Ada Shah, National expert": kept so a comment still says who, if the account goes.
    author_label: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[StrategyVersion] = relationship(back_populates="comments")
    reviewer: Mapped[Reviewer | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None
