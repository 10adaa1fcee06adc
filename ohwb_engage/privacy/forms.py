"""The data subject request form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ohwb_engage.forms import EmailAddressField


class SubjectForm(FlaskForm):
    email = EmailAddressField(
        description="The address the person registered, was invited or was e-mailed at.",
        validators=[DataRequired(message="Enter the person's e-mail address")],
    )
    confirm = BooleanField(
        "I have checked the request is genuine and want to erase this person's data"
    )
