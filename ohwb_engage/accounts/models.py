"""Staff users and their roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ohwb_engage.database import UTCDateTime, utcnow
from ohwb_engage.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Administrator",
            Role.FACILITATOR: "Facilitator",
            Role.ANALYST: "Analyst (programme team)",
        }[self]


ROLE_VALUES = tuple(r.value for r in Role)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'facilitator', 'analyst')",
            name="role_known",
        ),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: replacing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def invitation_pending(self) -> bool:
        return self.password_hash is None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def __repr__(self) -> str:  # no e-mail: reprs end up in logs
        return f"<User {self.id} {self.role}>"


def count_active_admins() -> int:
    from sqlalchemy import select

    return db.session.execute(
        select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active.is_(True))
    ).scalar_one()
