"""Events and registrations for tests: arranged in their own app context, returned as ids."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

from flask import Flask

from ohwb_engage.accounts.models import User
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.services import ensure_default_groups, stakeholder_groups
from ohwb_engage.workshops.models import Event, EventStatus, InviteCode
from ohwb_engage.workshops.registration import Registrant, register

_seq = count(1)


def make_event(
    app: Flask,
    *,
    capacity: int | None = 90,
    starts_in: timedelta = timedelta(days=7),
    minutes: int = 90,
    status: str = EventStatus.PUBLISHED.value,
    facilitator_ids: tuple[int, ...] = (),
    invite_codes: tuple[str, ...] = (),
    **fields: Any,
) -> int:
    n = next(_seq)
    with app.app_context():
        starts = utcnow() + starts_in
        event = Event(
            title=fields.pop("title", f"Breakfast Club {n}"),
            kind=fields.pop("kind", "breakfast_club"),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            join_url=fields.pop("join_url", "https://meet.example.org/j/secret-join"),
            capacity=capacity,
            status=status,
            **fields,
        )
        if facilitator_ids:
            event.facilitators = [db.session.get_one(User, i) for i in facilitator_ids]
        event.invite_codes = [InviteCode(code=c) for c in invite_codes]
        db.session.add(event)
        db.session.commit()
        return event.id


def group_id(app: Flask, name: str = "OH lead") -> int:
    with app.app_context():
        ensure_default_groups()
        db.session.commit()
        return next(g.id for g in stakeholder_groups() if g.name == name)


def person(i: int | str, **overrides: Any) -> Registrant:
    values: dict[str, Any] = {
        "name": f"Person {i}",
        "email": f"person{i}@example.org",
        "organisation": "Riverside NHS Trust",
        "job_role": "Wellbeing lead",
        "region": "London",
    }
    values.update(overrides)
    return Registrant(**values)


def register_people(app: Flask, event_id: int, n: int, start: int = 0) -> list[int]:
    """Register ``n`` people through the real service, in order; returns registration ids."""
    ids = []
    with app.app_context():
        for i in range(start, start + n):
            ids.append(register(event_id, person(i)).registration.id)
    return ids


def form_data(i: int | str, group: int, **overrides: Any) -> dict[str, Any]:
    """What the registration form posts."""
    data: dict[str, Any] = {
        "name": f"Person {i}",
        "email": f"person{i}@example.org",
        "organisation": "Riverside NHS Trust",
        "job_role": "Wellbeing lead",
        "stakeholder_group": str(group),
        "region": "London",
        "access_needs": "",
    }
    data.update(overrides)
    return data
