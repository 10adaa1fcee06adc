"""Every feature's models in one import: for Alembic autogenerate and ``flask shell``."""

from ohwb_engage.accounts.models import Role, User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.workshops.models import Event, Registration, event_facilitators

__all__ = [
    "AuditEntry",
    "Event",
    "OutboxMessage",
    "Registration",
    "Role",
    "StakeholderGroup",
    "User",
    "event_facilitators",
]
