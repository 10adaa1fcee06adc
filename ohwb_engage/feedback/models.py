"""Questionnaires, their sections and questions, invitations, responses, answers and imports.

Links to the events feature live on this side (``questionnaires.event_id``,
``responses.registration_id``, ...), all ``ON DELETE SET NULL``, so feedback never blocks
removing an event and never disappears with one.

Nothing answered is lost: ``answers.question_id`` is ``ON DELETE RESTRICT``, so the database
itself refuses to delete a question that has answers, whatever the service layer does.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ohwb_engage.accounts.models import User
from ohwb_engage.database import UTCDateTime, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.workshops.models import Event


class QuestionnaireKind(enum.StrEnum):
    KLOE = "kloe"
    SESSION_EVALUATION = "session_evaluation"
    FOLLOW_UP = "follow_up"
    OPEN_CONSULTATION = "open_consultation"

    @property
    def label(self) -> str:
        return {
            QuestionnaireKind.KLOE: "Key lines of enquiry (KLOE)",
            QuestionnaireKind.SESSION_EVALUATION: "Session evaluation",
            QuestionnaireKind.FOLLOW_UP: "Follow-up impact survey",
            QuestionnaireKind.OPEN_CONSULTATION: "Open consultation",
        }[self]


class QuestionnaireStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class QuestionKind(enum.StrEnum):
    LONG_TEXT = "long_text"
    SHORT_TEXT = "short_text"
    RATING = "rating"
    LIKERT = "likert"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"

    @property
    def label(self) -> str:
        return {
            QuestionKind.LONG_TEXT: "Long text",
            QuestionKind.SHORT_TEXT: "Short text",
            QuestionKind.RATING: "Rating scale (1 to 5)",
            QuestionKind.LIKERT: "Agreement (strongly disagree to strongly agree)",
            QuestionKind.SINGLE_CHOICE: "Single choice",
            QuestionKind.MULTIPLE_CHOICE: "Multiple choice",
            QuestionKind.YES_NO: "Yes or no",
        }[self]

    @property
    def is_text(self) -> bool:
        return self in TEXT_KINDS

    @property
    def is_scale(self) -> bool:
        return self in (QuestionKind.RATING, QuestionKind.LIKERT)


TEXT_KINDS = frozenset({QuestionKind.LONG_TEXT, QuestionKind.SHORT_TEXT})
TEXT_KIND_VALUES = tuple(k.value for k in TEXT_KINDS)


class ImpactLevel(enum.StrEnum):
    """Kirkpatrick's four levels, which follow-up impact surveys are built around."""

    REACTION = "reaction"
    LEARNING = "learning"
    BEHAVIOUR = "behaviour"
    RESULTS = "results"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class ResponseSource(enum.StrEnum):
    ONLINE = "online"
    IMPORTED = "imported"


class InvitationSource(enum.StrEnum):
    LIST = "list"
    ATTENDEES = "attendees"


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    COMMITTED = "committed"
    DISCARDED = "discarded"


DEFAULT_RATING_LABELS = ["Very poor", "Poor", "Fair", "Good", "Excellent"]
LIKERT_LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                 "Strongly agree"]  # fmt: skip
YES_NO_LABELS = [("yes", "Yes"), ("no", "No")]


def new_public_code() -> str:
    return secrets.token_urlsafe(9)


def new_structure_key() -> str:
    """Random, not a counter: a reused id (SQLite may reuse one) never meets an old key."""
    return secrets.token_hex(8)


def open_at(
    status: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> bool:
    """Whether a questionnaire with these settings takes answers at ``now``."""
    return (
        status == QuestionnaireStatus.PUBLISHED.value
        and (opens_at is None or opens_at <= now)
        and (closes_at is None or now < closes_at)
    )


def _in(column: str, enum_type: type[enum.StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{m.value}'" for m in enum_type) + ")"


class Questionnaire(db.Model):
    __tablename__ = "questionnaires"
    __table_args__ = (
        CheckConstraint(_in("kind", QuestionnaireKind), name="kind_known"),
        CheckConstraint(_in("status", QuestionnaireStatus), name="status_known"),
        CheckConstraint("retention_days > 0", name="retention_positive"),
        CheckConstraint(
            "original_retention_days >= 0 AND original_retention_days <= retention_days",
            name="original_within_retention",
        ),
        CheckConstraint(
            "follow_up_weeks IS NULL OR (follow_up_weeks >= 1 AND follow_up_weeks <= 104)",
            name="follow_up_weeks_range",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name="closes_after_opening",
        ),
        Index("ix_questionnaires_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default=QuestionnaireStatus.DRAFT.value)
    anonymous: Mapped[bool] = mapped_column(default=False)
    open_link: Mapped[bool] = mapped_column(default=False)
    public_code: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_code)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Evaluations go to attendees when the event ends; follow-ups after this many weeks.
    auto_send: Mapped[bool] = mapped_column(default=False)
    follow_up_weeks: Mapped[int | None] = mapped_column()
    redact: Mapped[bool] = mapped_column(default=True)
    retention_days: Mapped[int] = mapped_column(default=730)
    # How long the unredacted original of a redacted answer is kept (0: never stored).
    original_retention_days: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    # Renewed whenever a section or question is added, changed or deleted (the flush
    # listener below): processes cache the answering pages under it (feedback.structure).
    structure_key: Mapped[str] = mapped_column(String(16), default=new_structure_key)
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="questionnaire",
        order_by="Section.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire",
        order_by="Question.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def kind_enum(self) -> QuestionnaireKind:
        return QuestionnaireKind(self.kind)

    def is_open(self, now: datetime | None = None) -> bool:
        return open_at(self.status, self.opens_at, self.closes_at, now or utcnow())

    def state_label(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if self.status == QuestionnaireStatus.DRAFT.value:
            return "Draft"
        if self.is_open(now):
            return "Open"
        if (
            self.status == QuestionnaireStatus.PUBLISHED.value
            and self.opens_at
            and now < self.opens_at
        ):
            return "Scheduled"
        return "Closed"

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} {self.kind} v{self.version} {self.status}>"


class Section(db.Model):
    """A page of a questionnaire: long questionnaires are answered one section at a time."""

    __tablename__ = "questionnaire_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position"
    )


class QuestionBehaviour:
    """What the answering code asks of a question, shared by the ORM row and the cached
    shape (``feedback.structure.QuestionShape``)."""

    kind: str
    options: Any

    @property
    def kind_enum(self) -> QuestionKind:
        return QuestionKind(self.kind)

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KIND_VALUES

    def option_label(self, key: str) -> str:
        return next((o["label"] for o in self.options or [] if o["key"] == key), key)


class Question(QuestionBehaviour, db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(_in("kind", QuestionKind), name="kind_known"),
        CheckConstraint(
            "impact_level IS NULL OR " + _in("impact_level", ImpactLevel), name="impact_level_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    # Closed questions: [{"key": "o1", "label": "..."}]; keys never change once answered.
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    impact_level: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    section: Mapped[Section] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"


@event.listens_for(Session, "before_flush")
def _renew_structure_keys(session: Session, _context: Any, _instances: Any) -> None:
    """A questionnaire whose sections or questions change gets a new ``structure_key``,
    in the same flush: whatever code path made the change, no process keeps serving the
    old pages from its cache once the change is committed."""
    touched: set[int] = set()
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if not isinstance(obj, Section | Question):
                continue
            if obj in session.dirty and not session.is_modified(obj):
                continue
            questionnaire_id = obj.questionnaire_id
            if questionnaire_id is None and obj.questionnaire is not None:
                questionnaire_id = obj.questionnaire.id  # None too for a new questionnaire
            if questionnaire_id is not None:
                touched.add(questionnaire_id)
        for questionnaire_id in touched:
            questionnaire = session.get(Questionnaire, questionnaire_id)
            if questionnaire is not None:
                questionnaire.structure_key = new_structure_key()


class Invitation(db.Model):
    """One person asked to answer through a personal link. The e-mail is erased on request."""

    __tablename__ = "questionnaire_invitations"
    __table_args__ = (
        # The scheduled command relies on these: two runs at once cannot invite anyone twice.
        UniqueConstraint("questionnaire_id", "email"),
        UniqueConstraint("questionnaire_id", "registration_id"),
        CheckConstraint(_in("source", InvitationSource), name="source_known"),
        Index("ix_questionnaire_invitations_pending", "questionnaire_id", "responded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(12), default=InvitationSource.LIST.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminder_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Anonymous questionnaires keep only the day, so it cannot be matched to a response.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questionnaire: Mapped[Questionnaire] = relationship()

    def __repr__(self) -> str:  # no e-mail: reprs end up in logs
        return f"<Invitation {self.id} q={self.questionnaire_id}>"


class ImportBatch(db.Model):
    """An uploaded file of notes or survey exports, kept between preview and commit."""

    __tablename__ = "feedback_imports"
    __table_args__ = (CheckConstraint(_in("status", ImportStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(default=0)
    # The file itself, only until it is committed or discarded (then it is cleared).
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default=ImportStatus.UPLOADED.value)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_basis: Mapped[str] = mapped_column(String(500), default="")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questionnaire: Mapped[Questionnaire] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class Response(db.Model):
    """One person's answers to one questionnaire (or one imported row of notes)."""

    __tablename__ = "responses"
    __table_args__ = (
        # The hidden per-form nonce: a double click or a retried request stores one response.
        UniqueConstraint("questionnaire_id", "submission_key"),
        UniqueConstraint("invitation_id"),  # a personal link answers once
        CheckConstraint(_in("status", ResponseStatus), name="status_known"),
        CheckConstraint(_in("source", ResponseSource), name="source_known"),
        CheckConstraint(
            "NOT anonymous OR (invitation_id IS NULL AND registration_id IS NULL"
            " AND organisation = '' AND region = '')",
            name="anonymous_holds_no_identity",
        ),
        Index("ix_responses_corpus", "questionnaire_id", "status", "answered_at"),
        Index("ix_responses_event", "event_id", "answered_at"),
        Index("ix_responses_group", "stakeholder_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    submission_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=ResponseStatus.IN_PROGRESS.value)
    source: Mapped[str] = mapped_column(String(10), default=ResponseSource.ONLINE.value)
    anonymous: Mapped[bool] = mapped_column(default=False)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_invitations.id", ondelete="SET NULL")
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_imports.id", ondelete="CASCADE"), index=True
    )
    stakeholder_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL")
    )
    organisation: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(80), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Opt-ins asked at the end of the form: words may be quoted (anonymously) on the public
    # "You said, we did" page; the person may be e-mailed when it is published.
    may_quote: Mapped[bool] = mapped_column(default=False, server_default=false())
    contact_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_page: Mapped[int] = mapped_column(default=0)
    # When it was answered: the submission (online) or the date on the notes (imported).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    event: Mapped[Event | None] = relationship()
    stakeholder_group: Mapped[StakeholderGroup | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Response {self.id} q={self.questionnaire_id} {self.status}>"


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    # Free text as analysts see it: redacted when the questionnaire asks for redaction.
    text: Mapped[str | None] = mapped_column(Text)
    # The unredacted original, only when redaction changed it and the retention policy allows.
    text_original: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    number: Mapped[int | None] = mapped_column()  # 1..5 for rating and agreement questions

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
