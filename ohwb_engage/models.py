"""Every feature's models in one import: for Alembic autogenerate and ``flask shell``."""

from ohwb_engage.accounts.models import Role, User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.feedback.models import (
    Answer,
    ImportBatch,
    Invitation,
    Question,
    Questionnaire,
    Response,
    Section,
)
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.workshops.models import (
    AgendaItem,
    Event,
    EventMessage,
    EventSeries,
    InviteCode,
    Registration,
    ReminderDelivery,
    SeriesMember,
    Speaker,
    event_facilitators,
)

__all__ = [
    "AgendaItem",
    "Answer",
    "AuditEntry",
    "Event",
    "EventMessage",
    "EventSeries",
    "ImportBatch",
    "Invitation",
    "InviteCode",
    "OutboxMessage",
    "Question",
    "Questionnaire",
    "Registration",
    "ReminderDelivery",
    "Response",
    "Role",
    "Section",
    "SeriesMember",
    "Speaker",
    "StakeholderGroup",
    "User",
    "event_facilitators",
]
