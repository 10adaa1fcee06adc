"""Account rules without HTTP: invitations, sign-in and lockout, reset, roles, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts import services
from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.tokens import TokenExpired, TokenInvalid, make_token
from tests.factories import PASSWORD, make_staff

NEW_PASSWORD = "plum orchard tuesday lantern"


def _link_token(message: OutboxMessage, marker: str) -> str:
    line = next(line for line in message.body_text.splitlines() if marker in line)
    return line.rsplit("/", 1)[1]


def test_invite_creates_pending_account_mails_link_and_audits(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        user = services.invite_staff(
            "New.Person@Example.org ", "New Person", "analyst", actor=admin
        )
        assert user.email == "new.person@example.org"
        assert user.invitation_pending and user.role == "analyst"
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.to_address == "new.person@example.org"
        assert "/invitation/" in message.body_text
        entry = db.session.execute(select(AuditEntry)).scalar_one()
        assert (entry.action, entry.actor_id, entry.target_id) == (
            "user.invite",
            admin_id,
            str(user.id),
        )


def test_accepting_an_invitation_sets_password_once(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        services.invite_staff("fac@example.org", "Fac", "facilitator", actor=admin)
        token = _link_token(db.session.execute(select(OutboxMessage)).scalar_one(), "/invitation/")
        user = services.accept_invitation(token, NEW_PASSWORD)
        assert not user.invitation_pending
        assert services.authenticate("fac@example.org", NEW_PASSWORD).id == user.id
        with pytest.raises(TokenInvalid):
            services.accept_invitation(token, "another long password here")


def test_reinviting_replaces_the_old_link(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        services.invite_staff("x@example.org", "X", "analyst", actor=admin)
        first = _link_token(db.session.execute(select(OutboxMessage)).scalar_one(), "/invitation/")
        user = services.find_by_email("x@example.org")
        services.resend_invitation(user, actor=admin)
        with pytest.raises(TokenInvalid):
            services.user_for_invitation(first)


def test_inviting_existing_staff_is_refused(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    make_staff(app, "analyst", email="taken@example.org")
    with app.app_context(), pytest.raises(services.AlreadyStaff):
        services.invite_staff(
            "taken@example.org", "T", "analyst", actor=db.session.get(User, admin_id)
        )


def test_unknown_role_is_refused(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    with app.app_context():
        with pytest.raises(services.AccountError):
            services.invite_staff(
                "r@example.org", "R", "owner", actor=db.session.get(User, admin_id)
            )
        assert db.session.execute(select(User).where(User.email == "r@example.org")).first() is None


def test_expired_and_tampered_tokens_are_refused(app: Flask) -> None:
    user_id = make_staff(app, "analyst", password=None)
    with app.app_context():
        user = db.session.get(User, user_id)
        token = make_token(services.INVITE, {"uid": user.id, "fp": services._fingerprint(user)})
        with pytest.raises(TokenInvalid):
            services.user_for_invitation(token[:-3] + "abc")
        app.config["INVITE_MAX_AGE_HOURS"] = -1
        with pytest.raises(TokenExpired):
            services.user_for_invitation(token)


def test_wrong_password_and_unknown_email_look_the_same(app: Flask) -> None:
    make_staff(app, "analyst", email="a@example.org")
    with app.app_context():
        with pytest.raises(services.InvalidCredentials) as wrong:
            services.authenticate("a@example.org", "wrong password entirely")
        with pytest.raises(services.InvalidCredentials) as unknown:
            services.authenticate("nobody@example.org", "wrong password entirely")
        assert str(wrong.value) == str(unknown.value)


def test_lockout_after_repeated_failures_even_with_right_password(app: Flask) -> None:
    make_staff(app, "analyst", email="a@example.org")
    with app.app_context():
        for _ in range(app.config["ACCOUNT_LOCKOUT_ATTEMPTS"]):
            with pytest.raises(services.InvalidCredentials):
                services.authenticate("a@example.org", "wrong password entirely")
        with pytest.raises(services.AccountLocked, match="Try again in"):
            services.authenticate("a@example.org", PASSWORD)
        user = services.find_by_email("a@example.org")
        user.locked_until = utcnow() - timedelta(seconds=1)  # time passes
        db.session.commit()
        assert services.authenticate("a@example.org", PASSWORD).failed_logins == 0


def test_deactivated_user_cannot_sign_in(app: Flask) -> None:
    make_staff(app, "analyst", email="gone@example.org", active=False)
    with app.app_context(), pytest.raises(services.AccountDeactivated):
        services.authenticate("gone@example.org", PASSWORD)


def test_password_reset_changes_password_and_signs_out_elsewhere(app: Flask) -> None:
    user_id = make_staff(app, "facilitator", email="f@example.org")
    with app.app_context():
        old_session = db.session.get(User, user_id).get_id()
        services.request_password_reset("F@example.org")
        token = _link_token(db.session.execute(select(OutboxMessage)).scalar_one(), "/reset/")
        services.reset_password(token, NEW_PASSWORD)
        assert services.load_user(old_session) is None
        assert services.authenticate("f@example.org", NEW_PASSWORD).id == user_id
        with pytest.raises(TokenInvalid):
            services.reset_password(token, "yet another good password")


def test_reset_for_unknown_email_sends_nothing(app: Flask) -> None:
    with app.app_context():
        services.request_password_reset("nobody@example.org")
        assert db.session.execute(select(OutboxMessage)).first() is None


def test_weak_password_is_refused_with_reason(app: Flask) -> None:
    user_id = make_staff(app, "facilitator", email="weak@example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(services.WeakPassword, match="12 characters"):
            services.change_password(user, PASSWORD, "short")
        with pytest.raises(services.WeakPassword, match="e-mail"):
            services.change_password(user, PASSWORD, "weak-and-long-enough")


def test_role_change_is_audited_and_last_admin_is_kept(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    other_id = make_staff(app, "analyst")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        other = db.session.get(User, other_id)
        services.change_role(other, "facilitator", actor=admin)
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.role_changed")
        ).scalar_one()
        assert entry.details == {"from": "analyst", "to": "facilitator"}
        with pytest.raises(services.LastAdmin):
            services.change_role(admin, "analyst", actor=admin)
        assert db.session.get(User, admin_id).role == "admin"


def test_deactivation_signs_out_and_guards_self(app: Flask) -> None:
    admin_id = make_staff(app, "admin")
    other_id = make_staff(app, "analyst")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        other = db.session.get(User, other_id)
        session_id = other.get_id()
        services.set_active(other, False, actor=admin)
        assert services.load_user(session_id) is None
        with pytest.raises(services.AccountError, match="your own"):
            services.set_active(admin, False, actor=admin)
        services.set_active(other, True, actor=admin)
        assert db.session.get(User, other_id).active
