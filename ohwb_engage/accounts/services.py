"""Staff account rules: invitations, sign-in with lockout, password reset, roles, deactivation.

Each public function is one use case and commits once; domain errors carry a message for
the page. Services take the acting user explicitly and never read the request.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, func, select

from ohwb_engage.accounts.models import Role, User, count_active_admins, new_session_token
from ohwb_engage.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from ohwb_engage.audit.services import record
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.services import queue_email
from ohwb_engage.tokens import TokenInvalid, make_token, read_token
from ohwb_engage.urls import external_url

INVITE = "invite"
RESET = "reset"


class AccountError(Exception):
    """A rule said no; ``str()`` is the message for the page."""


class InvalidCredentials(AccountError):
    pass


class AccountLocked(AccountError):
    pass


class AccountDeactivated(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class AlreadyStaff(AccountError):
    pass


class LastAdmin(AccountError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def _fingerprint(user: User) -> str:
    """Changes whenever the password or session token does: a used link stops working."""
    raw = f"{user.id}:{user.password_hash or ''}:{user.session_token}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _user_from_token(purpose: str, token: str, max_age: int) -> User:
    payload = read_token(purpose, token, max_age)
    if not isinstance(payload, dict) or "uid" not in payload:
        raise TokenInvalid("This link is not valid. Check you copied all of it.")
    user = db.session.get(User, payload["uid"])
    if user is None or payload.get("fp") != _fingerprint(user):
        raise TokenInvalid("This link has already been used or has been replaced by a newer one.")
    if not user.active:
        raise AccountDeactivated("This account has been deactivated. Ask an administrator.")
    return user


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email)
    if problems:
        raise WeakPassword(problems[0])
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None


def _send_invitation(user: User, inviter: User | None) -> None:
    hours = current_app.config["INVITE_MAX_AGE_HOURS"]
    link = external_url(
        "accounts.accept_invite",
        token=make_token(INVITE, {"uid": user.id, "fp": _fingerprint(user)}),
    )
    service = current_app.config["SERVICE_NAME"]
    who = inviter.name if inviter else "An administrator"
    queue_email(
        user.email,
        f"You have been invited to {service}",
        f"Dear {user.name},\n\n{who} has invited you to {service} as "
        f"{Role(user.role).label.lower()}.\n\nSet your password within {hours} hours:\n{link}\n\n"
        "If you did not expect this invitation, you can ignore this e-mail.\n",
        category="invite",
    )


def invite_staff(email: str, name: str, role: str, *, actor: User) -> User:
    """Create a pending account and e-mail a time-limited link to set a password.

    Inviting a pending address again sends a fresh link (the old one stops working).
    """
    if role not in {r.value for r in Role}:
        raise AccountError("Choose a role from the list")
    email = normalise_email(email)
    user = find_by_email(email)
    if user is not None and not user.invitation_pending:
        raise AlreadyStaff("This person already has an account")
    if user is None:
        user = User(email=email, name=name.strip(), role=role)
        db.session.add(user)
    else:
        user.name, user.role = name.strip(), role
        user.session_token = new_session_token()
    user.invited_by_id = actor.id
    user.invited_at = utcnow()
    db.session.flush()
    _send_invitation(user, actor)
    record("user.invite", user, actor=actor, role=role)
    db.session.commit()
    return user


def resend_invitation(user: User, *, actor: User) -> User:
    if not user.invitation_pending:
        raise AlreadyStaff("This person has already set a password")
    user.session_token = new_session_token()
    user.invited_at = utcnow()
    db.session.flush()
    _send_invitation(user, actor)
    record("user.invite_resent", user, actor=actor)
    db.session.commit()
    return user


def user_for_invitation(token: str) -> User:
    user = _user_from_token(INVITE, token, current_app.config["INVITE_MAX_AGE_HOURS"] * 3600)
    if not user.invitation_pending:
        raise TokenInvalid("This invitation has already been used. Sign in instead.")
    return user


def accept_invitation(token: str, password: str) -> User:
    user = user_for_invitation(token)
    _set_password(user, password)
    record("user.invite_accepted", user, actor=user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """Check the password, counting failures; after too many the account locks for a while."""
    config = current_app.config
    user = find_by_email(email)
    now = utcnow()
    if user is None or user.password_hash is None:
        verify_password(None, password)  # same cost as a real check
        raise InvalidCredentials("Enter a correct e-mail address and password")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(
            "This account is locked after too many failed attempts. "
            f"Try again in {minutes} minutes or reset your password."
        )
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= config["ACCOUNT_LOCKOUT_ATTEMPTS"]:
            user.locked_until = now + timedelta(minutes=config["ACCOUNT_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            record("user.locked", user, actor=None, actor_label="sign-in")
        db.session.commit()
        raise InvalidCredentials("Enter a correct e-mail address and password")
    if not user.active:
        raise AccountDeactivated("This account has been deactivated. Ask an administrator.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return user


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds ``id.session_token``; a stale token is refused."""
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if there is such an active account; say nothing either way."""
    user = find_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return
    minutes = current_app.config["RESET_MAX_AGE_MINUTES"]
    link = external_url(
        "accounts.reset_password",
        token=make_token(RESET, {"uid": user.id, "fp": _fingerprint(user)}),
    )
    queue_email(
        user.email,
        f"Reset your {current_app.config['SERVICE_NAME']} password",
        f"Dear {user.name},\n\nSomeone asked to reset the password for this account. "
        f"Use this link within {minutes} minutes:\n{link}\n\n"
        "If it was not you, ignore this e-mail: your password has not changed.\n",
        category="password_reset",
    )
    record("user.password_reset_requested", user, actor=None, actor_label="sign-in")
    db.session.commit()


def user_for_reset(token: str) -> User:
    return _user_from_token(RESET, token, current_app.config["RESET_MAX_AGE_MINUTES"] * 60)


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, password)
    record("user.password_reset", user, actor=user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> User:
    if not verify_password(user.password_hash, current):
        raise InvalidCredentials("Your current password is not right")
    _set_password(user, new)
    record("user.password_changed", user, actor=user)
    db.session.commit()
    return user


def _guard_last_admin(user: User) -> None:
    if user.role == Role.ADMIN.value and user.active and count_active_admins() <= 1:
        raise LastAdmin("There must be at least one active administrator")


def change_role(user: User, role: str, *, actor: User) -> User:
    if role not in {r.value for r in Role}:
        raise AccountError("Choose a role from the list")
    if role == user.role:
        return user
    if user.role == Role.ADMIN.value:
        _guard_last_admin(user)
    old = user.role
    user.role = role
    record("user.role_changed", user, actor=actor, **{"from": old, "to": role})
    db.session.commit()
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    if user.active == active:
        return user
    if not active:
        if user.id == actor.id:
            raise AccountError("You cannot deactivate your own account")
        _guard_last_admin(user)
        user.session_token = new_session_token()  # signs them out everywhere
    user.active = active
    record("user.reactivated" if active else "user.deactivated", user, actor=actor)
    db.session.commit()
    return user


def create_admin(email: str, name: str, password: str) -> User:
    """For the command line: make (or promote) an active admin with this password."""
    email = normalise_email(email)
    user = find_by_email(email)
    if user is None:
        user = User(email=email, name=name, role=Role.ADMIN.value)
        db.session.add(user)
    user.role = Role.ADMIN.value
    user.active = True
    user.name = name or user.name
    db.session.flush()
    _set_password(user, password)
    record("user.created_admin", user, actor=None, actor_label="command line")
    db.session.commit()
    return user


def staff_query(role: str | None = None, status: str | None = None) -> Select[tuple[User]]:
    stmt = select(User).order_by(func.lower(User.name))
    if role:
        stmt = stmt.where(User.role == role)
    if status == "active":
        stmt = stmt.where(User.active.is_(True), User.password_hash.is_not(None))
    elif status == "invited":
        stmt = stmt.where(User.password_hash.is_(None), User.active.is_(True))
    elif status == "deactivated":
        stmt = stmt.where(User.active.is_(False))
    return stmt
