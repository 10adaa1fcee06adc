"""Reading and editing the shared lists. Seeded with the programme's groups on first use."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import (
    DEFAULT_STAKEHOLDER_GROUPS,
    REGIONS,
    StakeholderGroup,
)


class ReferenceError(Exception):
    """A rule said no; ``str()`` is the message for the page."""


def ensure_default_groups() -> None:
    """Add the seeded groups if the table is empty (a fresh database). Only flushes."""
    if db.session.execute(select(func.count(StakeholderGroup.id))).scalar_one():
        return
    for position, name in enumerate(DEFAULT_STAKEHOLDER_GROUPS):
        db.session.add(StakeholderGroup(name=name, position=position))
    db.session.flush()


def stakeholder_groups(include_retired: bool = False) -> list[StakeholderGroup]:
    stmt = select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.name)
    if not include_retired:
        stmt = stmt.where(StakeholderGroup.active.is_(True))
    return list(db.session.execute(stmt).scalars())


# Built once; plain (id, name) rows: the public forms (registration, feedback) ask for the
# choices on every request and need no ORM objects for them.
_ACTIVE_CHOICES = (
    select(StakeholderGroup.id, StakeholderGroup.name)
    .where(StakeholderGroup.active.is_(True))
    .order_by(StakeholderGroup.position, StakeholderGroup.name)
)


# The public forms ask for the choices on every request; an admin changes them a few times a
# year. Each app keeps them this long; a change committed through this process is seen at
# once (below), one made in another worker within these seconds. What is stored is
# checked against the table itself (a retired group is refused when written).
CHOICES_SECONDS = 5.0
_CHOICES_KEY = "ohwb_group_choices"


def stakeholder_group_choices() -> list[tuple[str, str]]:
    """For WTForms radios/selects; creates the default list on a database that has none."""
    cache = current_app.extensions
    kept = cache.get(_CHOICES_KEY)
    if kept is not None and kept[0] > time.monotonic():
        return list(kept[1])
    choices = _read_group_choices()
    cache[_CHOICES_KEY] = (time.monotonic() + CHOICES_SECONDS, tuple(choices))
    return choices


_CHANGED_FLAG = "ohwb_group_choices_changed"


@event.listens_for(StakeholderGroup, "after_insert")
@event.listens_for(StakeholderGroup, "after_update")
@event.listens_for(StakeholderGroup, "after_delete")
def _choices_changed(mapper: Any, connection: Any, target: StakeholderGroup) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED_FLAG] = True


@event.listens_for(Session, "after_commit")
def _forget_choices(session: Session) -> None:
    """Forget the copy once the change is committed: dropped at flush, it could be read
    again, unchanged, by another request before the commit, and kept for its seconds."""
    if session.info.pop(_CHANGED_FLAG, False) and has_app_context():
        current_app.extensions.pop(_CHOICES_KEY, None)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED_FLAG, None)


def _read_group_choices() -> list[tuple[str, str]]:
    """Migration 0002 installs the defaults, so creating them here only fires on a schema
    built another way (tests). Two first requests may race to create them: the write lock
    (SQLite) or the unique names (PostgreSQL) let one win, and the other reads the result.
    """
    rows = db.session.execute(_ACTIVE_CHOICES).all()
    if not rows:
        begin_write()
        try:
            ensure_default_groups()
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        rows = db.session.execute(_ACTIVE_CHOICES).all()
    return [(str(group_id), name) for group_id, name in rows]


def region_choices() -> list[tuple[str, str]]:
    return [(r, r) for r in REGIONS]


def add_group(name: str, *, actor: User) -> StakeholderGroup:
    name = name.strip()
    if not name:
        raise ReferenceError("Enter a name for the group")
    exists = db.session.execute(
        select(StakeholderGroup).where(func.lower(StakeholderGroup.name) == name.lower())
    ).scalar_one_or_none()
    if exists is not None:
        raise ReferenceError("There is already a group with this name")
    position = db.session.execute(
        select(func.coalesce(func.max(StakeholderGroup.position), -1))
    ).scalar_one()
    group = StakeholderGroup(name=name, position=position + 1)
    db.session.add(group)
    db.session.flush()
    record("stakeholder_group.add", group, actor=actor, name=name)
    db.session.commit()
    return group


def update_group(group: StakeholderGroup, name: str, active: bool, *, actor: User) -> None:
    name = name.strip()
    if not name:
        raise ReferenceError("Enter a name for the group")
    clash = db.session.execute(
        select(StakeholderGroup).where(
            func.lower(StakeholderGroup.name) == name.lower(), StakeholderGroup.id != group.id
        )
    ).scalar_one_or_none()
    if clash is not None:
        raise ReferenceError("There is already a group with this name")
    changes = {}
    if group.name != name:
        changes["name"] = {"from": group.name, "to": name}
    if group.active != active:
        changes["active"] = {"from": group.active, "to": active}
    group.name, group.active = name, active
    if changes:
        record("stakeholder_group.update", group, actor=actor, **changes)
    db.session.commit()


def move_group(group: StakeholderGroup, direction: int, *, actor: User) -> None:
    """Swap with the neighbour above (-1) or below (+1) in the list people see."""
    groups = stakeholder_groups(include_retired=True)
    index = next(i for i, g in enumerate(groups) if g.id == group.id)
    other = index + direction
    if 0 <= other < len(groups):
        groups[index], groups[other] = groups[other], groups[index]
        for position, g in enumerate(groups):
            g.position = position
        record("stakeholder_group.move", group, actor=actor, direction=direction)
    db.session.commit()
