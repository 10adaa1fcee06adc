"""Shapes of the event forms; rules that need the database live in the services."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ohwb_engage.forms import (
    LONG_TEXT_MAX,
    NAME_MAX,
    EmailAddressField,
    TrimmedStringField,
    TrimmedTextAreaField,
)
from ohwb_engage.workshops.models import Audience, EventKind, SeriesKind

ORGANISATION_MAX = 200
JOB_ROLE_MAX = 200
ACCESS_NEEDS_MAX = 2_000
TITLE_MAX = 200
URL_MAX = 500
VENUE_MAX = 300
CODE_MAX = 40
MESSAGE_MAX = 5_000
CAPACITY_MAX = 100_000

KIND_CHOICES = [(k.value, k.label) for k in EventKind]
AUDIENCE_CHOICES = [
    (Audience.OPEN.value, "Open to anyone"),
    (Audience.INVITE.value, "By invitation: people need an invitation code"),
]


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


def _web_address(what: str) -> list[Any]:
    return [
        Optional(),
        _length(URL_MAX, what),
        URL(
            require_tld=False,
            message=f"Enter the {what.lower()} as a full web address, starting with https://",
        ),
    ]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CoercedSelectField(SelectField):
    """A select whose empty first choice means "none" instead of failing validation."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            return
        super().pre_validate(form)


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: pre_validate refuses it with the field's message


class DetailsForm(FlaskForm):
    """What a participant tells us about themselves (also used to update details)."""

    name = TrimmedStringField(
        "Full name",
        validators=[DataRequired(message="Enter your full name"), _length(NAME_MAX, "Name")],
    )
    organisation = TrimmedStringField(
        "Organisation",
        description="For example, the NHS trust, ICB or company you work for.",
        validators=[
            DataRequired(message="Enter your organisation"),
            _length(ORGANISATION_MAX, "Organisation"),
        ],
    )
    job_role = TrimmedStringField(
        "Job role",
        validators=[
            DataRequired(message="Enter your job role"),
            _length(JOB_ROLE_MAX, "Job role"),
        ],
    )
    # The service checks the group exists (inside its transaction): no query on the hot path.
    stakeholder_group = RadioField(
        "Which group best describes you?",
        coerce=str,
        validate_choice=False,
        validators=[InputRequired(message="Select the group that best describes you")],
    )
    region = SelectField(
        "Region",
        description="The NHS England region you work in.",
        validators=[InputRequired(message="Select your region")],
    )
    access_needs = TrimmedTextAreaField(
        "Access needs (optional)",
        description="Tell us anything that would help you take part, such as captions, a "
        "step-free venue or a British Sign Language interpreter.",
        validators=[Optional(), _length(ACCESS_NEEDS_MAX, "Access needs")],
    )
    consent_contact = BooleanField(
        "You may contact me about future events and what the programme finds"
    )

    def set_choices(self, groups: list[tuple[str, str]], regions: list[tuple[str, str]]) -> None:
        self.stakeholder_group.choices = groups
        self.region.choices = [("", "Select your region"), *regions]

    def validate_region(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select your region")


class RegistrationForm(DetailsForm):
    """The public registration form: the busiest POST.

    ``CSRFProtect`` checks every POST's token before any view runs, so this form does not
    check it a second time, nor sign a fresh one on a POST that needs none; the page puts
    the token in with ``macros/form.html``'s ``csrf()``.
    """

    class Meta:
        csrf = False

    email = EmailAddressField(
        description="We will send your confirmation and the link to manage your place here.",
        validators=[DataRequired(message="Enter your e-mail address")],
    )
    invite_code = TrimmedStringField(
        "Invitation code",
        description="This event is by invitation. The code is in your invitation.",
        validators=[Optional(), _length(CODE_MAX, "Invitation code")],
    )


class StaffRegistrantForm(DetailsForm):
    """A facilitator adds someone by hand: a booking by phone, a walk-in, a late addition."""

    email = EmailAddressField(
        description="We e-mail them the confirmation and the link to manage their place.",
        validators=[DataRequired(message="Enter their e-mail address")],
    )
    told_privacy = BooleanField(
        "I have told them how we use their information and where to read the privacy notice",
        validators=[
            DataRequired(message="Confirm you have told them how we use their information")
        ],
    )


class CheckInForm(FlaskForm):
    code = TrimmedStringField(
        "Check-in code",
        description="The facilitator shows this code during the session.",
        validators=[DataRequired(message="Enter the check-in code"), _length(12, "The code")],
    )


class PublicCheckInForm(CheckInForm):
    email = EmailAddressField(
        description="The address you registered with.",
        validators=[DataRequired(message="Enter your e-mail address")],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""


# Staff forms -----------------------------------------------------------------------------


class EventForm(FlaskForm):
    title = TrimmedStringField(
        "Title",
        validators=[DataRequired(message="Enter a title"), _length(TITLE_MAX, "Title")],
    )
    kind = RadioField(
        "Kind of event",
        choices=KIND_CHOICES,
        validators=[InputRequired(message="Select the kind of event")],
    )
    summary = TrimmedTextAreaField(
        "Summary",
        description="What the event is about and who it is for. You can use Markdown: "
        "**bold**, *italics*, lists and links.",
        validators=[Optional(), _length(LONG_TEXT_MAX, "Summary")],
    )
    day = DateField(
        "Date",
        description="For example, 27 March 2026 (UK time).",
        validators=[InputRequired(message="Enter the date of the event")],
    )
    start_time = TimeField(
        "Start time",
        description="UK time, for example 09:30.",
        validators=[InputRequired(message="Enter the start time")],
    )
    end_time = TimeField("End time", validators=[InputRequired(message="Enter the end time")])
    join_url = TrimmedStringField(
        "Joining link (online events)",
        description="Only people with a confirmed place see this link.",
        validators=_web_address("Joining link"),
    )
    venue = TrimmedStringField(
        "Venue (in-person events)",
        description="The full address, including the postcode.",
        validators=[Optional(), _length(VENUE_MAX, "Venue")],
    )
    capacity = IntegerField(
        "Capacity",
        description="Leave empty for no limit.",
        validators=[
            Optional(),
            NumberRange(min=0, max=CAPACITY_MAX, message="Enter a capacity from 0 to 100,000"),
        ],
    )
    waitlist_enabled = BooleanField("Offer a waiting list when the event is full", default=True)
    registration_opens_at = DateTimeLocalField(
        "Registration opens (optional)",
        description="UK time. Leave empty to open registration when you publish.",
        validators=[Optional()],
    )
    registration_closes_at = DateTimeLocalField(
        "Registration closes (optional)",
        description="UK time. Leave empty to close registration when the event starts.",
        validators=[Optional()],
    )
    audience = RadioField(
        "Who can register",
        choices=AUDIENCE_CHOICES,
        default=Audience.OPEN.value,
        validators=[InputRequired(message="Select who can register")],
    )
    series_id = CoercedSelectField(
        "Series or cohort (optional)", coerce=_optional_int, validators=[Optional()]
    )
    facilitators = MultiCheckboxField(
        "Facilitators",
        description="They can edit the event and see who registered.",
        coerce=int,
    )
    notify = BooleanField(
        "E-mail registrants if the time, venue or joining link changes", default=True
    )

    def set_choices(
        self, series: list[tuple[int, str]], facilitators: list[tuple[int, str]]
    ) -> None:
        self.series_id.choices = [("", "None"), *series]
        self.facilitators.choices = facilitators

    def validate_end_time(self, field: TimeField) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError("The end time must be after the start time")


class CancelEventForm(FlaskForm):
    reason = TrimmedTextAreaField(
        "Message to registrants (optional)",
        description="For example, why it is cancelled and whether it will be rearranged.",
        validators=[Optional(), _length(MESSAGE_MAX, "The message")],
    )


class AgendaItemForm(FlaskForm):
    at = TimeField(
        "Time (optional)", description="UK time, for example 10:15.", validators=[Optional()]
    )
    title = TrimmedStringField(
        "Agenda item",
        validators=[
            DataRequired(message="Enter the agenda item"),
            _length(TITLE_MAX, "Agenda item"),
        ],
    )
    details = TrimmedTextAreaField(
        "Details (optional)", validators=[Optional(), _length(2_000, "Details")]
    )


class SpeakerForm(FlaskForm):
    name = TrimmedStringField(
        "Name",
        validators=[DataRequired(message="Enter the speaker's name"), _length(NAME_MAX, "Name")],
    )
    role = TrimmedStringField("Role (optional)", validators=[Optional(), _length(200, "Role")])
    organisation = TrimmedStringField(
        "Organisation (optional)", validators=[Optional(), _length(200, "Organisation")]
    )
    talk_title = TrimmedStringField(
        "Talk title (optional)", validators=[Optional(), _length(TITLE_MAX, "Talk title")]
    )
    slides_url = TrimmedStringField(
        "Link to slides (optional)", validators=_web_address("Link to slides")
    )


class InviteCodeForm(FlaskForm):
    code = TrimmedStringField(
        "Code (optional)",
        description="Letters and digits. Leave empty and we will make one up.",
        validators=[
            Optional(),
            Length(min=4, max=CODE_MAX, message="A code must be 4 to 40 characters"),
        ],
    )
    label = TrimmedStringField(
        "Who is it for? (optional)",
        description="For example, the pilot site or mailing list you will send it to.",
        validators=[Optional(), _length(120, "This")],
    )
    max_uses = IntegerField(
        "Most uses (optional)",
        description="Leave empty for no limit.",
        validators=[
            Optional(),
            NumberRange(min=1, max=CAPACITY_MAX, message="Enter a number from 1 to 100,000"),
        ],
    )

    def validate_code(self, field: TrimmedStringField) -> None:
        if field.data and not field.data.replace("-", "").isalnum():
            raise ValidationError("Use only letters, digits and hyphens in a code")


class MessageForm(FlaskForm):
    audiences = MultiCheckboxField(
        "Who should get it?",
        choices=[
            ("confirmed", "People with a place"),
            ("waitlisted", "People on the waiting list"),
            ("attended", "People who attended"),
        ],
        validators=[DataRequired(message="Choose who should get the message")],
    )
    subject = TrimmedStringField(
        "Subject",
        validators=[DataRequired(message="Enter a subject"), _length(TITLE_MAX, "Subject")],
    )
    body = TrimmedTextAreaField(
        "Message",
        description="We add the event's date and each person's own link to manage their place.",
        validators=[DataRequired(message="Enter the message"), _length(MESSAGE_MAX, "Message")],
    )


class AttendanceForm(FlaskForm):
    registrations = MultiCheckboxField("People", coerce=int, validators=[Optional()])
    action = RadioField(
        "Mark them as",
        choices=[("attended", "Attended"), ("absent", "Did not attend")],
        default="attended",
        validators=[InputRequired(message="Choose attended or did not attend")],
    )
    # A second submit button: every confirmed person at once, without ticking 90 boxes.
    everyone = BooleanField("Mark everyone with a place as attended")

    def validate_registrations(self, field: MultiCheckboxField) -> None:
        if not field.data and not self.everyone.data:
            raise ValidationError("Select at least one person")


class AttendanceListForm(FlaskForm):
    addresses = TrimmedTextAreaField(
        "E-mail addresses of people who attended",
        description="Paste them from the meeting's attendance report: one per line, or "
        "separated by commas or semicolons.",
        validators=[
            DataRequired(message="Paste at least one e-mail address"),
            _length(200_000, "The list"),
        ],
    )


class SeriesForm(FlaskForm):
    title = TrimmedStringField(
        "Title", validators=[DataRequired(message="Enter a title"), _length(TITLE_MAX, "Title")]
    )
    kind = RadioField(
        "Kind",
        choices=[
            (SeriesKind.SERIES.value, "Series: events that follow on, like the Breakfast Clubs"),
            (SeriesKind.COHORT.value, "Cohort: member organisations who meet regularly"),
        ],
        default=SeriesKind.SERIES.value,
        validators=[InputRequired(message="Select series or cohort")],
    )
    summary = TrimmedTextAreaField(
        "Summary (optional)", validators=[Optional(), _length(LONG_TEXT_MAX, "Summary")]
    )


class MemberForm(FlaskForm):
    organisation = TrimmedStringField(
        "Organisation",
        validators=[DataRequired(message="Enter the organisation"), _length(200, "Organisation")],
    )
    region = SelectField("Region", validators=[Optional()])
    role = TrimmedStringField(
        "Role in the cohort (optional)",
        description="For example, pilot site.",
        validators=[Optional(), _length(120, "Role")],
    )
