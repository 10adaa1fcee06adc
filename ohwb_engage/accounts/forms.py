"""Shapes of the account forms; the rules that need state live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from ohwb_engage.accounts.models import Role
from ohwb_engage.accounts.passwords import MAX_LENGTH, password_problems
from ohwb_engage.forms import NAME_MAX, EmailAddressField, TrimmedStringField

ROLE_CHOICES = [(r.value, r.label) for r in Role]


class LoginForm(FlaskForm):
    email = EmailAddressField(validators=[DataRequired(message="Enter your e-mail address")])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Enter your password"),
            Length(max=MAX_LENGTH, message="Enter a correct e-mail address and password"),
        ],
    )
    next = HiddenField()


class NewPasswordForm(FlaskForm):
    """Used to accept an invitation and to reset a password."""

    password = PasswordField(
        "New password",
        description="Use 12 characters or more. Three or four unrelated words work well.",
        validators=[DataRequired(message="Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired(message="Enter the new password again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )

    email_for_rules = ""

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.email_for_rules)
        if problems:
            raise ValidationError(problems[0])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password")]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailAddressField(validators=[DataRequired(message="Enter your e-mail address")])


class InviteForm(FlaskForm):
    name = TrimmedStringField(
        "Full name",
        validators=[
            DataRequired(message="Enter their full name"),
            Length(max=NAME_MAX, message=f"Name must be {NAME_MAX} characters or fewer"),
        ],
    )
    email = EmailAddressField(validators=[DataRequired(message="Enter their e-mail address")])
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
        validate_choice=True,
    )


class RoleForm(FlaskForm):
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""
