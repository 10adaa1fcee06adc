"""The analysis: frameworks of reviewed themes, the runs that propose them, and their history.

A *framework* is the programme team's own set of themes over a corpus of answers. Runs of
the engine propose themes (discover, split) or assign answers to the reviewed ones (map);
each run keeps its configuration and a snapshot of the corpus it saw, so it can be
reproduced. Every change an analyst makes bumps the framework's version and is recorded
with who, when and a snapshot of the theme list, so versions can be compared side by side.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
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


class RunKind(enum.StrEnum):
    DISCOVER = "discover"
    MAP = "map"
    SPLIT = "split"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MemberSource(enum.StrEnum):
    DISCOVERED = "discovered"  # placed by a discovery or split run
    MOVED = "moved"  # an analyst moved it here
    CODED = "coded"  # an analyst coded it as an example of this theme
    MAPPED = "mapped"  # the mapping model put it here, with a confidence


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Framework(db.Model):
    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The corpus this framework covers (feedback.corpus.CorpusFilters as a dict).
    corpus_filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="framework",
        order_by="Theme.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Framework {self.id} v{self.version}>"


class FrameworkAnswer(db.Model):
    """An answer in a framework's corpus, with what the analysis knows of it."""

    __tablename__ = "framework_answers"
    __table_args__ = (
        Index("ix_framework_answers_answer", "answer_id"),
        # The theme list's share denominator counts relevant answers from the index alone.
        Index("ix_framework_answers_relevant", "framework_id", "not_relevant"),
    )

    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True
    )
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)  # VADER compound
    status: Mapped[str] = mapped_column(String(16), default="answer")  # engine's status
    not_relevant: Mapped[bool] = mapped_column(default=False)
    # Confidence of the latest mapping's best guess, for "code these next".
    map_confidence: Mapped[float | None] = mapped_column(Float)


class Theme(db.Model):
    __tablename__ = "themes"
    __table_args__ = (
        CheckConstraint("member_count >= 0", name="member_count_not_negative"),
        Index("ix_themes_framework_position", "framework_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # A priority theme gets its own section in the draft strategy.
    priority: Mapped[bool] = mapped_column(default=False)
    # Distinctive terms [[term, weight], ...] and representative answers, from the engine.
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quote_answer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Kept up to date by the services, so the theme list never counts 100,000 rows.
    member_count: Mapped[int] = mapped_column(default=0)
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)
    source_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Optimistic locking: two analysts editing one theme; the second gets a conflict.
    lock_version: Mapped[int] = mapped_column(default=1)

    framework: Mapped[Framework] = relationship(back_populates="themes")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def mean_sentiment(self) -> float:
        return self.sentiment_sum / self.member_count if self.member_count else 0.0

    def __repr__(self) -> str:
        return f"<Theme {self.id} framework={self.framework_id}>"


class ThemeMember(db.Model):
    """An answer in a theme. Answers may sit in several themes (the framework is multi-label)."""

    __tablename__ = "theme_members"
    __table_args__ = (
        CheckConstraint(_in("source", MemberSource), name="source_known"),
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"
        ),
        Index("ix_theme_members_answer", "answer_id"),
    )

    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(12), default=MemberSource.DISCOVERED.value)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FrameworkChange(db.Model):
    """One version of a framework: who changed what, when, and the theme list after it."""

    __tablename__ = "framework_changes"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"id", "name", "description", "size", "priority"}] after the change.
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThemeRun(db.Model):
    """A job of the engine over a corpus snapshot; its page shows progress and survives reload."""

    __tablename__ = "theme_runs"
    __table_args__ = (
        CheckConstraint(_in("kind", RunKind), name="kind_known"),
        CheckConstraint(_in("status", RunStatus), name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        Index("ix_theme_runs_framework_created", "framework_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int | None] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10), default=RunKind.DISCOVER.value)
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.QUEUED.value)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    progress_message: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    error: Mapped[str | None] = mapped_column(Text)
    # Everything needed to reproduce it: engine parameters, seed, corpus filters, versions.
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corpus_filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corpus_size: Mapped[int] = mapped_column(default=0)
    # n_themes, unassigned share, non-answers, stability, timings, mapping scores...
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The theme a split run works inside (no foreign key: the record outlives the theme).
    target_theme_id: Mapped[int | None] = mapped_column()
    job_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
    themes: Mapped[list[RunTheme]] = relationship(
        order_by="RunTheme.index", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<ThemeRun {self.id} {self.kind} {self.status}>"


class RunItem(db.Model):
    """The corpus snapshot of a run, in the order the engine saw it, and what it decided."""

    __tablename__ = "theme_run_items"
    __table_args__ = (Index("ix_theme_run_items_theme", "run_id", "theme_index"),)

    run_id: Mapped[int] = mapped_column(
        ForeignKey("theme_runs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # as the engine saw it (redacted where asked)
    theme_index: Mapped[int] = mapped_column(default=-1)  # -1: unassigned or not clustered
    status: Mapped[str] = mapped_column(String(16), default="answer")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    # For mapping runs: [[theme_id, confidence], ...].
    labels: Mapped[list[Any] | None] = mapped_column(JSON)


class RunTheme(db.Model):
    """A theme as a run proposed it (before any review)."""

    __tablename__ = "theme_run_themes"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("theme_runs.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quote_positions: Mapped[list[int]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(default=0)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
