"""Shapes of the feedback forms. The answering form is built per page from the questions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ohwb_engage.feedback.answering import (
    ORGANISATION_MAX,
    PREFER_NOT,
    SHORT_ANSWER_MAX,
    Page,
)
from ohwb_engage.feedback.corpus import london_day_start
from ohwb_engage.feedback.models import (
    ImpactLevel,
    Question,
    QuestionKind,
    QuestionnaireKind,
)
from ohwb_engage.feedback.text import clean_text
from ohwb_engage.forms import LONG_TEXT_MAX, TrimmedStringField, TrimmedTextAreaField
from ohwb_engage.template_helpers import LONDON

KIND_CHOICES = [(k.value, k.label) for k in QuestionnaireKind]
QUESTION_KIND_CHOICES = [(k.value, k.label) for k in QuestionKind]
IMPACT_CHOICES = [("", "None")] + [(lv.value, lv.label) for lv in ImpactLevel]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return -1  # not in the choices: the field says "choose from the list"


def london_day_end(day: date) -> datetime:
    """The last minute of a UK calendar day, in UTC: "open until 31 March" includes 31 March."""
    return london_day_start(day + timedelta(days=1)) - timedelta(minutes=1)


def london_day(moment: datetime | None) -> date | None:
    return moment.astimezone(LONDON).date() if moment else None


class QuestionnaireForm(FlaskForm):
    title = TrimmedStringField(
        "Title",
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "Kind of questionnaire",
        choices=KIND_CHOICES,
        validators=[InputRequired(message="Select the kind of questionnaire")],
    )
    introduction = TrimmedTextAreaField(
        "Introduction",
        description="Shown at the start: why you are asking and how long it takes.",
        validators=[Length(max=5000, message="Introduction must be 5,000 characters or fewer")],
    )
    anonymous = BooleanField("Anonymous: store no name, e-mail, organisation or region")
    open_link = BooleanField("Anyone with the open link can answer")
    opens_on = DateField(
        "Opens on (optional)",
        description="For example 2025-03-01. Leave blank to open when you publish.",
        validators=[Optional()],
    )
    closes_on = DateField(
        "Open until (optional)",
        description="It closes at the end of this day, UK time.",
        validators=[Optional()],
    )
    event_id = SelectField("Event (optional)", coerce=_int_or_none, validate_choice=True)
    auto_send = BooleanField(
        "Send it to the event's attendees automatically (evaluations when the event ends, "
        "follow-ups after the weeks below)"
    )
    follow_up_weeks = IntegerField(
        "Weeks after the event (follow-up surveys)",
        validators=[
            Optional(),
            NumberRange(min=1, max=104, message="Enter a number of weeks from 1 to 104"),
        ],
    )
    redact = BooleanField(
        "Redact e-mail addresses, phone numbers, NHS numbers, postcodes and names in free "
        "text before analysts see it"
    )
    retention_days = IntegerField(
        "Keep responses for (days)",
        description="Then `purge-expired` deletes them. 730 days is two years.",
        validators=[
            InputRequired(message="Enter how many days to keep responses"),
            NumberRange(min=1, max=3650, message="Enter a number of days from 1 to 3,650"),
        ],
    )
    original_retention_days = IntegerField(
        "Keep unredacted originals for (days)",
        description="0 keeps only the redacted text. Originals are never shown to analysts.",
        validators=[
            InputRequired(message="Enter how many days to keep unredacted originals, or 0"),
            NumberRange(min=0, max=3650, message="Enter a number of days from 0 to 3,650"),
        ],
    )
    use_standard = BooleanField("Start from the standard questions for this kind")

    def validate_closes_on(self, field: Field) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("The close date must be on or after the open date")


class SectionForm(FlaskForm):
    title = TrimmedStringField(
        "Section title",
        description="Each section is a page for the person answering.",
        validators=[
            DataRequired(message="Enter a section title"),
            Length(max=200, message="Section title must be 200 characters or fewer"),
        ],
    )
    description = TrimmedTextAreaField(
        "Description (optional)",
        validators=[Length(max=2000, message="Description must be 2,000 characters or fewer")],
    )


class QuestionForm(FlaskForm):
    text = TrimmedTextAreaField(
        "Question",
        validators=[
            DataRequired(message="Enter the question"),
            Length(max=500, message="Question must be 500 characters or fewer"),
        ],
    )
    kind = RadioField(
        "Type of answer",
        choices=QUESTION_KIND_CHOICES,
        validators=[InputRequired(message="Select the type of answer")],
    )
    help_text = TrimmedTextAreaField(
        "Hint (optional)",
        validators=[Length(max=1000, message="Hint must be 1,000 characters or fewer")],
    )
    options = TrimmedTextAreaField(
        "Options",
        description="Single and multiple choice: one option on each line. Rating scale: "
        "optionally 5 labels from lowest to highest (default: Very poor to Excellent).",
        validators=[Length(max=6000, message="Options must be 6,000 characters or fewer")],
    )
    required = BooleanField("People must answer this question")
    section_id = SelectField("Section", coerce=_int_or_none, validate_choice=True)
    impact_level = SelectField(
        "Impact level (follow-up surveys)", choices=IMPACT_CHOICES, validate_choice=True
    )

    def option_lines(self) -> tuple[str, ...]:
        return tuple(
            line.strip() for line in (self.options.data or "").splitlines() if line.strip()
        )


class InviteForm(FlaskForm):
    people = TrimmedTextAreaField(
        "People to invite",
        description="One person on each line: name@example.org, or Name <name@example.org>.",
        validators=[
            DataRequired(message="Enter at least one e-mail address"),
            Length(max=200_000, message="Paste 2,000 people or fewer at a time"),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""


class ImportUploadForm(FlaskForm):
    file = FileField("CSV or Excel (XLSX) file")
    consent_basis = TrimmedStringField(
        "How did people agree to their words being used?",
        description="For example: 'Verbal consent recorded at the start of each focus group'.",
        validators=[
            DataRequired(message="Say how people agreed to their words being used"),
            Length(max=500, message="Keep this to 500 characters or fewer"),
        ],
    )


# --- answering ----------------------------------------------------------------------------


class _ChoiceMessage:
    message = "Choose one of the options given"

    def pre_validate(self, form: Any) -> None:
        values = self.data if isinstance(self.data, list) else [self.data]
        valid = {str(value) for value, _ in self.choices or []}
        if any(v is not None and str(v) not in valid for v in values):
            raise ValidationError(self.message)


class AnswerRadioField(_ChoiceMessage, RadioField):
    pass


class AnswerCheckboxField(_ChoiceMessage, SelectMultipleField):
    pass


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_filter(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def _question_field(question: Question) -> Field:
    kind = question.kind_enum
    label = question.text
    hint = question.help_text or None
    short = _short(question.text)
    if kind.is_text:
        limit = LONG_TEXT_MAX if kind == QuestionKind.LONG_TEXT else SHORT_ANSWER_MAX
        validators: list[Any] = [
            DataRequired(message=f"Enter an answer to “{short}”")
            if question.required
            else Optional(),
            Length(
                max=limit,
                message=f"Your answer to “{short}” must be {limit:,} characters or fewer",
            ),
        ]
        field_class = TrimmedTextAreaField if kind == QuestionKind.LONG_TEXT else TrimmedStringField
        return field_class(label, description=hint, validators=validators, filters=[_text_filter])
    choices = [(o["key"], o["label"]) for o in question.options or []]
    if kind.is_scale:
        choices = [(o["key"], f"{o['key']} - {o['label']}") for o in question.options or []]
    required = (
        InputRequired(message=f"Select an answer to “{short}”") if question.required else Optional()
    )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        field: Field = AnswerCheckboxField(
            label, description=hint or "Select all that apply.", choices=choices,
            validators=[required],
        )  # fmt: skip
    else:
        field = AnswerRadioField(label, description=hint, choices=choices, validators=[required])
    return field


class AnswerFormBase(FlaskForm):
    """Answering pages: ``CSRFProtect`` checks every POST's token before the view, so the
    form does not check it again, nor sign a fresh one per POST; the page puts the token in
    with ``macros/form.html``'s ``csrf()``."""

    class Meta:
        csrf = False

    submission_key = HiddenField()


def answer_form(
    page: Page,
    *,
    final: bool,
    anonymous: bool,
    group_choices: Iterable[tuple[str, str]],
    region_choices: Iterable[tuple[str, str]],
    data: dict[str, Any] | None = None,
    contactable: bool = False,
) -> FlaskForm:
    """The page's form, prefilled with ``data`` (on GET only: on POST the submitted form is
    the whole truth)."""
    form_class = answer_form_class(
        page, final=final, anonymous=anonymous, group_choices=group_choices,
        region_choices=region_choices, contactable=contactable,
    )  # fmt: skip
    return form_class(data=data) if data is not None else form_class()


def answer_form_class(
    page: Page,
    *,
    final: bool,
    anonymous: bool,
    group_choices: Iterable[tuple[str, str]],
    region_choices: Iterable[tuple[str, str]],
    contactable: bool = False,
) -> type[FlaskForm]:
    """A form class for this page's questions (``q<id>``), plus "about you" on the last page.

    ``contactable``: the person answers through a personal link, so we hold an address and
    may ask whether to e-mail them when the programme publishes what it did.
    """
    fields: dict[str, Any] = {
        f"q{question.id}": _question_field(question) for question in page.questions
    }
    if final:
        fields["stakeholder_group"] = AnswerRadioField(
            "Which group best describes you?",
            description="So we can see whether different groups see things differently.",
            choices=[*group_choices, (PREFER_NOT, "Prefer not to say")],
            validators=[InputRequired(message="Select the group that best describes you")],
        )
        if not anonymous:
            fields["organisation"] = TrimmedStringField(
                "Organisation (optional)",
                validators=[
                    Length(
                        max=ORGANISATION_MAX,
                        message=f"Organisation must be {ORGANISATION_MAX} characters or fewer",
                    )
                ],
            )
            fields["region"] = AnswerRadioField(
                "Region (optional)",
                choices=list(region_choices),
                validators=[Optional()],
            )
        fields["consent"] = BooleanField(
            "I agree that my answers can be used by the programme as described in the privacy "
            "notice",
            validators=[DataRequired(message="Confirm you agree to how your answers will be used")],
        )
        fields["may_quote"] = BooleanField(
            "You may quote my words, without my name, on the programme's public page"
        )
        if contactable and not anonymous:
            fields["contact_consent"] = BooleanField(
                "E-mail me once when the programme publishes what it did with the feedback"
            )
    return type("AnswerForm", (AnswerFormBase,), fields)
