"""Calendar files (.ics) for registrants: one VEVENT per event, updated in place on change.

The UID is stable per event and SEQUENCE rises whenever the time or place changes, so a
calendar app replaces the earlier copy instead of adding a second one. Files without a
personal link depend only on the event and the person's status, so they are built once per
version of the event and reused (building one costs more than the rest of a registration).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from ohwb_engage.database import utcnow
from ohwb_engage.workshops.models import Event, EventStatus, RegistrationStatus

CONTENT_TYPE = "text/calendar; charset=utf-8"


def filename(event: Event) -> str:
    return f"event-{event.id}.ics"


def event_ics(event: Event, status: str | None, manage_url: str | None) -> bytes:
    """The event as a registrant with this status (None: nobody yet) should see it: the join
    link only with a confirmed place. A status, not a registration: a confirmation is written
    before its registration row exists."""
    if event.status == EventStatus.CANCELLED or status == RegistrationStatus.CANCELLED:
        state = "CANCELLED"
    elif status == RegistrationStatus.CONFIRMED:
        state = "CONFIRMED"
    else:
        state = "TENTATIVE"
    waiting = status == RegistrationStatus.WAITLISTED
    config = current_app.config
    build = _build if manage_url else _cached
    return build(
        f"ohwb-event-{event.id}@{urlsplit(config['BASE_URL']).hostname or 'ohwb-engage.invalid'}",
        config["SERVICE_NAME"],
        event.title,
        event.kind_enum.label,
        event.starts_at,
        event.ends_at,
        event.calendar_sequence,
        event.venue,
        event.join_url if state == "CONFIRMED" else None,
        state,
        waiting,
        manage_url,
    )


def _build(
    uid: str,
    service: str,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    sequence: int,
    venue: str | None,
    join_url: str | None,
    state: str,
    waiting: bool,
    manage_url: str | None,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{service}//events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", uid)
    item.add("dtstamp", utcnow())
    item.add("dtstart", starts_at)
    item.add("dtend", ends_at)
    item.add("sequence", sequence)
    item.add("summary", title)
    item.add("status", state)
    lines = [kind + "."]
    if venue:
        item.add("location", venue)
    elif join_url:
        item.add("location", join_url)
    if join_url:
        item.add("url", join_url)
        lines.append(f"Join online: {join_url}")
    elif waiting:
        lines.append("You are on the waiting list; we will e-mail you if a place comes up.")
    lines.append(
        f"View or cancel your place: {manage_url}"
        if manage_url
        else "To view or cancel your place, use the link in your confirmation e-mail."
    )
    item.add("description", "\n".join(lines))
    calendar.add_component(item)
    return calendar.to_ical()


_cached = lru_cache(maxsize=512)(_build)
