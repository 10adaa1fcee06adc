from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length

from ohwb_engage.forms import TrimmedStringField


class GroupForm(FlaskForm):
    name = TrimmedStringField(
        "Group name",
        validators=[
            DataRequired(message="Enter a name for the group"),
            Length(max=80, message="Group name must be 80 characters or fewer"),
        ],
    )
    active = BooleanField("Offer this group on forms", default=True)
