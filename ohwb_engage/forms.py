"""Form pieces every feature shares: trimmed text fields and the length limits we promise."""

from __future__ import annotations

from typing import Any

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import Email, Length

# Generous, stated limits: over-long input gets a message, never a database error.
NAME_MAX = 120
EMAIL_MAX = 254
SHORT_TEXT_MAX = 255
LONG_TEXT_MAX = 10_000


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _with_filter(kwargs: dict[str, Any], extra: Any) -> dict[str, Any]:
    """A new filters list: a declared field's kwargs are shared by every form built from its
    class, so appending to the caller's list would add the filter again on every request."""
    return {**kwargs, "filters": [*kwargs.get("filters", ()), extra]}


class TrimmedStringField(StringField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_with_filter(kwargs, strip_filter))


class TrimmedTextAreaField(TextAreaField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_with_filter(kwargs, strip_filter))


def _lower_stripped(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class EmailAddressField(EmailField):
    """An e-mail field that trims, lower-cases and checks shape without a DNS lookup."""

    def __init__(self, label: str = "E-mail address", *args: Any, **kwargs: Any) -> None:
        kwargs = _with_filter(kwargs, _lower_stripped)
        validators = list(kwargs.pop("validators", []))
        validators += [
            Length(
                max=EMAIL_MAX, message=f"E-mail address must be {EMAIL_MAX} characters or fewer"
            ),
            Email(
                message="Enter an e-mail address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ]
        super().__init__(label, *args, validators=validators, **kwargs)
