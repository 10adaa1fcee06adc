"""Forms of the review workspace: shape only (lengths, choices); the rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ohwb_engage.forms import LONG_TEXT_MAX, TrimmedStringField, TrimmedTextAreaField
from ohwb_engage.themes.review_split import SPLIT_MAX_PARTS

ACTIONS = {
    "move": "Move to another theme",
    "code": "Code as an example of a theme (keeps them here too)",
    "remove": "Remove from this theme",
    "not_relevant": "Mark as not relevant",
    "relevant": "Mark as relevant again",
}


class ThemeForm(FlaskForm):
    name = TrimmedStringField(
        "Name",
        validators=[DataRequired("Enter a name for the theme"), Length(max=200)],
    )
    description = TrimmedTextAreaField(
        "Description",
        description="What this theme is about, in the words the programme team will use.",
        validators=[Length(max=LONG_TEXT_MAX)],
    )
    lock_version = HiddenField()

    def validate_lock_version(self, field: HiddenField) -> None:
        # Only what the browser sent counts: a missing value must not fall back to the
        # theme's current version, or a blind save would skip the conflict check.
        if not field.raw_data or not str(field.raw_data[0]).isdigit():
            raise ValidationError("The form is out of date: open the theme again.")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""


class MergeForm(FlaskForm):
    others = SelectMultipleField(
        "Themes to merge into this one",
        coerce=int,
        description="Their responses join this theme and the themes themselves are removed.",
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired("Select at least one theme to merge into this one")],
    )


class SplitForm(FlaskForm):
    parts = IntegerField(
        "Split into at most how many themes?",
        default=3,
        description=(
            f"Between 2 and {SPLIT_MAX_PARTS}: the engine finds how many the answers support."
        ),
        validators=[
            InputRequired("Enter how many themes to split into"),
            NumberRange(2, SPLIT_MAX_PARTS, f"Enter a number between 2 and {SPLIT_MAX_PARTS}"),
        ],
    )


class ResponsesForm(FlaskForm):
    """The action on the responses ticked in a table (a theme's page or "code next")."""

    answer_ids = SelectMultipleField("Responses", coerce=int, validate_choice=False)
    action = SelectField("What to do with the selected responses", choices=list(ACTIONS.items()))
    target = SelectField("Theme", coerce=int, validators=[Optional()], validate_choice=False)
    from_theme = HiddenField()

    def validate_answer_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError("Select at least one response")
