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
from ohwb_engage.roadmap.models import (
    Programme,
    ProgrammeNotice,
    Reference,
    RoadmapItem,
    RoadmapItemTheme,
)
from ohwb_engage.roadmap.strategy_models import ReviewComment, Reviewer, StrategyVersion
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    RunItem,
    RunTheme,
    Theme,
    ThemeMember,
    ThemeRun,
)
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
    "Framework",
    "FrameworkAnswer",
    "FrameworkChange",
    "ImportBatch",
    "Invitation",
    "InviteCode",
    "OutboxMessage",
    "Programme",
    "ProgrammeNotice",
    "Question",
    "Questionnaire",
    "Reference",
    "Registration",
    "ReminderDelivery",
    "Response",
    "ReviewComment",
    "Reviewer",
    "RoadmapItem",
    "RoadmapItemTheme",
    "Role",
    "RunItem",
    "RunTheme",
    "Section",
    "SeriesMember",
    "Speaker",
    "StakeholderGroup",
    "StrategyVersion",
    "Theme",
    "ThemeMember",
    "ThemeRun",
    "User",
    "event_facilitators",
]
