"""Sign in and out, invitations, password reset, and the admin's staff pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ohwb_engage.accounts import services
from ohwb_engage.accounts.access import acting_user, admin_required, public, staff_required
from ohwb_engage.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    RoleForm,
)
from ohwb_engage.accounts.models import ROLE_VALUES, User
from ohwb_engage.extensions import db, limiter
from ohwb_engage.tokens import TokenError
from ohwb_engage.urls import is_safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _home_for(user: User) -> str:
    return url_for("main.staff_home")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_for(current_user))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            login_user(user)
            target = form.next.data
            return redirect(target if is_safe_next(target) else _home_for(user))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@public
def logout() -> Response:
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def accept_invite(token: str) -> str | Response:
    try:
        user = services.user_for_invitation(token)
    except (TokenError, services.AccountError) as exc:
        return render_template("accounts/link_problem.html", message=str(exc)), 400
    form = NewPasswordForm()
    form.email_for_rules = user.email
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except (TokenError, services.AccountError) as exc:
            form.password.errors.append(str(exc))
        else:
            login_user(user)
            flash("Your password is set. Welcome.", "success")
            return redirect(_home_for(user))
    return render_template("accounts/set_password.html", form=form, user=user, invitation=True)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def reset_password(token: str) -> str | Response:
    try:
        user = services.user_for_reset(token)
    except (TokenError, services.AccountError) as exc:
        return render_template("accounts/link_problem.html", message=str(exc)), 400
    form = NewPasswordForm()
    form.email_for_rules = user.email
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except (TokenError, services.AccountError) as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user, invitation=False)


@bp.route("/account", methods=["GET", "POST"])
@staff_required
def account() -> str | Response:
    form = ChangePasswordForm()
    form.email_for_rules = current_user.email
    if form.validate_on_submit():
        try:
            user = services.change_password(acting_user(), form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            login_user(user)  # the session token changed; keep this browser signed in
            flash("Your password has been changed.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form)


@bp.get("/admin/staff")
@admin_required
def staff_list() -> str:
    role = request.args.get("role") if request.args.get("role") in ROLE_VALUES else None
    status = request.args.get("status")
    status = status if status in {"active", "invited", "deactivated"} else None
    page = db.paginate(services.staff_query(role, status), per_page=50, error_out=False)
    return render_template("accounts/staff_list.html", page=page, role=role, status=status)


@bp.route("/admin/staff/invite", methods=["GET", "POST"])
@admin_required
def invite() -> str | Response:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.invite_staff(
                form.email.data, form.name.data, form.role.data, actor=acting_user()
            )
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"Invitation sent to {user.name}.", "success")
            return redirect(url_for("accounts.staff_list"))
    return render_template("accounts/invite.html", form=form)


@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_detail(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    role_form = RoleForm(role=user.role)
    if role_form.validate_on_submit():
        try:
            services.change_role(user, role_form.role.data, actor=acting_user())
        except services.AccountError as exc:
            role_form.role.errors.append(str(exc))
        else:
            flash(f"{user.name} is now {user.role_enum.label.lower()}.", "success")
            return redirect(url_for("accounts.staff_detail", user_id=user.id))
    return render_template(
        "accounts/staff_detail.html", user=user, role_form=role_form, confirm=ConfirmForm()
    )


@bp.post("/admin/staff/<int:user_id>/<any(deactivate, reactivate, resend):action>")
@admin_required
def staff_action(user_id: int, action: str) -> Response:
    user = db.get_or_404(User, user_id)  # CSRFProtect has already checked the token
    try:
        if action == "resend":
            services.resend_invitation(user, actor=acting_user())
            flash(f"A new invitation has been sent to {user.name}.", "success")
        else:
            services.set_active(user, action == "reactivate", actor=acting_user())
            flash(f"{user.name} has been {action}d.", "success")
    except services.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("accounts.staff_detail", user_id=user.id))
