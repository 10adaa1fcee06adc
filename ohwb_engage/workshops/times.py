"""Wall-clock times in Europe/London to and from the UTC the database stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ohwb_engage.template_helpers import LONDON


class TimeProblem(ValueError):
    """A London wall-clock time that cannot be used; ``str()`` is the message for the page."""


def london_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of ``at`` on ``day`` in London; refuses times the clocks skip."""
    local = datetime.combine(day, at, tzinfo=LONDON)
    round_trip = local.astimezone(UTC).astimezone(LONDON)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeProblem(
            f"{at.strftime('%H:%M')} does not exist on {day.strftime('%-d %B %Y')} in the UK "
            "because the clocks go forward: choose another time"
        )
    return local.astimezone(UTC)


def local_datetime_to_utc(value: datetime) -> datetime:
    """A naive wall-clock ``datetime-local`` value, read as London time."""
    return london_to_utc(value.date(), value.time())


def utc_to_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(minutes=1))
