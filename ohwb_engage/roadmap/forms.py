"""Shapes of the programme, roadmap item and reference forms; rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    Regexp,
)

from ohwb_engage.forms import LONG_TEXT_MAX, TrimmedStringField, TrimmedTextAreaField
from ohwb_engage.roadmap.models import Horizon, ItemStatus, ReferenceKind
from ohwb_engage.roadmap.services import SLUG_MAX
from ohwb_engage.workshops.forms import (
    CoercedSelectField,
    MultiCheckboxField,
    _length,
    _optional_int,
)

TITLE_MAX = 200
OWNER_MAX = 200
REFERENCE_TITLE_MAX = 300
URL_MAX = 500


def _version(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class VersionedForm(FlaskForm):
    """Carries the record's ``lock_version`` from the page the user saw to the service."""

    lock_version = HiddenField(filters=[_version])


class ProgrammeForm(VersionedForm):
    title = TrimmedStringField(
        "Programme title",
        validators=[DataRequired(message="Enter the programme title"), _length(TITLE_MAX, "Title")],
    )
    summary = TrimmedTextAreaField(
        "Summary (optional)",
        description="Shown at the top of the public page. You can use Markdown: **bold**, "
        "lists and links.",
        validators=[_length(LONG_TEXT_MAX, "Summary")],
    )
    framework_id = CoercedSelectField(
        "Reviewed framework",
        description="The themes roadmap items link to, and where their evidence comes from.",
        coerce=_optional_int,
        validate_choice=True,
    )
    slug = TrimmedStringField(
        "Public page address (optional)",
        description="The end of the public page's address, like healthy-workforce-2027. "
        "Leave blank to make one from the title.",
        filters=[lambda v: v.lower() if isinstance(v, str) else v],
        validators=[
            Optional(),
            _length(SLUG_MAX, "The address"),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Enter an address using only lower-case letters, numbers and single "
                "hyphens",
            ),
        ],
    )


class ItemForm(VersionedForm):
    title = TrimmedStringField(
        "Title",
        validators=[DataRequired(message="Enter the item's title"), _length(TITLE_MAX, "Title")],
    )
    description = TrimmedTextAreaField(
        "Description (optional)", validators=[_length(LONG_TEXT_MAX, "Description")]
    )
    parent_id = CoercedSelectField(
        "Part of",
        description="Put the item under a broader recommendation, or leave it at the top level.",
        coerce=_optional_int,
        validate_choice=False,  # the service says why a parent is refused (a cycle, say)
    )
    horizon = RadioField(
        "Horizon",
        choices=[(h.value, h.label) for h in Horizon],
        validators=[InputRequired(message="Select when this should happen")],
    )
    owner = TrimmedStringField(
        "Owner (optional)",
        description="The team or role responsible, for example 'National OH team'.",
        validators=[_length(OWNER_MAX, "Owner")],
    )
    status = RadioField(
        "Status",
        choices=[(s.value, s.label) for s in ItemStatus],
        validators=[InputRequired(message="Select the status")],
    )
    progress = IntegerField(
        "Progress, per cent",
        description="For items with no sub-items. An item with sub-items shows the mean of "
        "theirs (dropped ones left out); a done item counts as 100.",
        default=0,
        validators=[
            InputRequired(message="Enter progress as a whole number from 0 to 100"),
            NumberRange(0, 100, message="Enter progress as a whole number from 0 to 100"),
        ],
    )
    theme_ids = MultiCheckboxField("Themes that support this item", coerce=int)


class ReferenceForm(FlaskForm):
    kind = RadioField(
        "Kind of reference",
        choices=[(k.value, k.label) for k in ReferenceKind],
        default=ReferenceKind.ACADEMIC.value,
        validators=[InputRequired(message="Select the kind of reference")],
    )
    title = TrimmedStringField(
        "Title",
        validators=[
            DataRequired(message="Enter the reference's title"),
            _length(REFERENCE_TITLE_MAX, "Title"),
        ],
    )
    authors = TrimmedStringField(
        "Authors or organisation (optional)", validators=[_length(REFERENCE_TITLE_MAX, "Authors")]
    )
    year = IntegerField(
        "Year (optional)",
        validators=[
            Optional(),
            NumberRange(1800, 2200, message="Enter a year like 2024"),
        ],
    )
    url = TrimmedStringField(
        "Web address (optional)",
        validators=[
            Optional(),
            _length(URL_MAX, "The web address"),
            URL(message="Enter the web address in full, starting with https://"),
        ],
    )
    note = TrimmedTextAreaField(
        "Note (optional)",
        description="What it shows and why it supports this item.",
        validators=[_length(LONG_TEXT_MAX, "Note")],
    )


class ConfirmForm(VersionedForm):
    """A button that changes something: the CSRF token, and the version where it matters."""
