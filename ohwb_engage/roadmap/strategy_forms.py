"""Forms of the draft strategy pages: the draft's words, publishing, reviewers, comments."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired, InputRequired, Length

from ohwb_engage.feedback.forms import AnswerRadioField
from ohwb_engage.forms import (
    LONG_TEXT_MAX,
    NAME_MAX,
    EmailAddressField,
    TrimmedStringField,
    TrimmedTextAreaField,
)
from ohwb_engage.roadmap.strategy_models import ReviewerRole

COMMENT_MAX = 5000


def _lock(value: Any) -> int:
    """The draft's lock as the page saw it; anything odd counts as "no draft" (a conflict)."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return -1


class LockedForm(FlaskForm):
    """Carries the draft's ``lock_version`` and number, so a stale page (or a second press
    of the same button) cannot overwrite a newer draft or publish twice."""

    lock_version = HiddenField(filters=[_lock])
    number = HiddenField(filters=[_lock])


class DraftForm(LockedForm):
    title = TrimmedStringField(
        "Title",
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    introduction = TrimmedTextAreaField(
        "Introduction",
        description="Why the programme wrote this strategy and how it was made. "
        "Leave a blank line between paragraphs.",
        validators=[
            Length(max=LONG_TEXT_MAX, message="Introduction must be 10,000 characters or fewer")
        ],
    )


class PublishForm(LockedForm):
    """Publish the live draft as the next version."""


class ReviewerForm(FlaskForm):
    name = TrimmedStringField(
        "Full name",
        validators=[
            DataRequired(message="Enter the reviewer's name"),
            Length(max=NAME_MAX, message=f"Name must be {NAME_MAX} characters or fewer"),
        ],
    )
    email = EmailAddressField(
        validators=[DataRequired(message="Enter the reviewer's e-mail address")]
    )
    role = RadioField(
        "Role",
        choices=[(r.value, r.label) for r in ReviewerRole],
        validators=[InputRequired(message="Select the reviewer's role")],
    )


class SectionField(AnswerRadioField):
    """A section of the version shown; anything else gets words, not "Not a valid choice"."""

    message = "Select one of the sections listed: the one you chose is not in this version"


class CommentForm(FlaskForm):
    # The version the page showed: a comment stays with what its author read, even if a
    # newer version was published while they were writing.
    version = HiddenField()
    section = SectionField(
        "Which section is your comment about?",
        validators=[InputRequired(message="Select the section your comment is about")],
    )
    body = TrimmedTextAreaField(
        "Your comment",
        validators=[
            DataRequired(message="Enter your comment"),
            Length(max=COMMENT_MAX, message="Comment must be 5,000 characters or fewer"),
        ],
    )


class ResolveForm(FlaskForm):
    note = TrimmedTextAreaField(
        "Resolution note",
        description="What the team did about it, for example: changed in version 3.",
        validators=[
            DataRequired(message="Enter what the team did about this comment"),
            Length(max=2000, message="Note must be 2,000 characters or fewer"),
        ],
    )
