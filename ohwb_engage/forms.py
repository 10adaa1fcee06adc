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


class TrimmedStringField(StringField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("filters", []).append(strip_filter)
        super().__init__(*args, **kwargs)


class TrimmedTextAreaField(TextAreaField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("filters", []).append(strip_filter)
        super().__init__(*args, **kwargs)


class EmailAddressField(EmailField):
    """An e-mail field that trims, lower-cases and checks shape without a DNS lookup."""

    def __init__(self, label: str = "E-mail address", *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("filters", []).append(
            lambda v: v.strip().lower() if isinstance(v, str) else v
        )
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
