"""Forms for theme runs: choose a corpus and engine settings; name a framework from a run."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ohwb_engage.feedback.models import QuestionnaireKind
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.forms import TrimmedStringField
from ohwb_engage.themes.runs import MAX_SEED, MAX_THEMES, RunSettings
from ohwb_engage.workshops.forms import MultiCheckboxField

SOURCE_CHOICES = [("online", "Answered online"), ("imported", "Imported from notes or exports")]
KIND_CHOICES = [(k.value, k.label) for k in QuestionnaireKind]
ANY = "Tick none to include them all."


def _themes_range(what: str) -> NumberRange:
    return NumberRange(1, MAX_THEMES, message=f"{what} must be a whole number from 1 to 70")


class RunForm(FlaskForm):
    """A corpus (every filter empty means "any") and the engine settings analysts may set."""

    questionnaires = MultiCheckboxField("Questionnaires", coerce=int, description=ANY)
    questions = MultiCheckboxField("Questions", coerce=int, description=ANY)
    events = MultiCheckboxField("Events", coerce=int, description=ANY)
    groups = MultiCheckboxField("Stakeholder groups", coerce=int, description=ANY)
    regions = MultiCheckboxField("Regions", description=ANY)
    sources = MultiCheckboxField("Sources", choices=SOURCE_CHOICES, description=ANY)
    kinds = MultiCheckboxField("Kinds of questionnaire", choices=KIND_CHOICES, description=ANY)
    date_from = DateField(
        "Answered on or after (optional)",
        description="For example 2025-03-01 (UK dates).",
        validators=[Optional()],
    )
    date_to = DateField(
        "Answered on or before (optional)",
        description="For example 2025-06-30.",
        validators=[Optional()],
    )
    n_themes = IntegerField(
        "Number of themes (optional)",
        description="Leave blank to let the data choose between the fewest and the most.",
        validators=[Optional(), _themes_range("The number of themes")],
    )
    min_themes = IntegerField(
        "Fewest themes",
        default=2,
        validators=[
            DataRequired(message="Enter the fewest themes"),
            _themes_range("The fewest themes"),
        ],
    )
    max_themes = IntegerField(
        "Most themes",
        default=12,
        description="Short answers rarely hold more than 10 to 15 distinct themes.",
        validators=[
            DataRequired(message="Enter the most themes"),
            _themes_range("The most themes"),
        ],
    )
    seed = IntegerField(
        "Seed",
        default=0,
        description="The same seed on the same answers gives the same themes.",
        validators=[
            Optional(),
            NumberRange(0, MAX_SEED, message=f"The seed must be a whole number, 0 to {MAX_SEED}"),
        ],
    )

    def set_choices(self, **choices: list[tuple[Any, str]]) -> None:
        for name, values in choices.items():
            getattr(self, name).choices = values

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be on or after the start date")

    def validate_max_themes(self, field: IntegerField) -> None:
        if field.data and self.min_themes.data and field.data < self.min_themes.data:
            raise ValidationError("The most themes must be at least the fewest themes")

    def filters(self) -> CorpusFilters:
        return CorpusFilters(
            questionnaire_ids=tuple(self.questionnaires.data or ()),
            question_ids=tuple(self.questions.data or ()),
            event_ids=tuple(self.events.data or ()),
            stakeholder_group_ids=tuple(self.groups.data or ()),
            regions=tuple(self.regions.data or ()),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            sources=tuple(self.sources.data or ()),
            kinds=tuple(self.kinds.data or ()),
        )

    def settings(self) -> RunSettings:
        return RunSettings(
            n_themes=self.n_themes.data,
            min_themes=self.min_themes.data,
            max_themes=self.max_themes.data,
            seed=self.seed.data or 0,
        )


class FrameworkForm(FlaskForm):
    name = TrimmedStringField(
        "Name of the framework",
        description="For example, Spring 2025 KLOE themes.",
        validators=[
            DataRequired(message="Enter a name for the framework"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
