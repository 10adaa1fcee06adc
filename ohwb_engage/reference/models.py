"""Stakeholder groups are data, not code: admins rename, reorder and retire them."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ohwb_engage.extensions import db

DEFAULT_STAKEHOLDER_GROUPS = [
    "OH lead",
    "Wellbeing lead",
    "OH clinician",
    "Allied health professional",
    "Service user",
    "Organisational leader",
    "System leader",
    "Academic",
    "Partner organisation",
    "Other",
]

# NHS England's seven regions, plus answers for people who work across or outside them.
REGIONS = [
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
    "National or across England",
    "Outside England",
]


class StakeholderGroup(db.Model):
    __tablename__ = "stakeholder_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    # Retired groups stay on past answers but are no longer offered on forms.
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<StakeholderGroup {self.id} {self.name}>"
