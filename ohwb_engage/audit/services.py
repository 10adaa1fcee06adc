"""Recording and reading the audit log. Recording only flushes: it joins the caller's commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db


def record(
    action: str,
    target: Any = None,
    *,
    actor: User | None,
    target_type: str | None = None,
    target_id: Any = None,
    **details: Any,
) -> AuditEntry:
    """Add an entry for ``action`` on ``target`` (a model with an ``id``) by ``actor``.

    ``actor`` is explicit because services never look at the request; ``None`` means the
    system itself (a scheduled command) or a participant acting through a signed link.
    """
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else target.id
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.name if actor is not None else details.pop("actor_label", "system"),
        action=action,
        target_type=target_type or "",
        target_id=None if target_id is None else str(target_id),
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    target_type: str | None = None
    actor_id: int | None = None


def query(filters: AuditFilter) -> Select[tuple[AuditEntry]]:
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action))
    if filters.target_type:
        stmt = stmt.where(AuditEntry.target_type == filters.target_type)
    if filters.actor_id:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    return stmt


def action_names() -> list[str]:
    return list(db.session.execute(select(AuditEntry.action).distinct()).scalars())


def target_types() -> list[str]:
    return list(db.session.execute(select(AuditEntry.target_type).distinct()).scalars())
