"""Calendar files (.ics) for registrants: one VEVENT per event, updated in place on change.

The UID is stable per event and SEQUENCE rises whenever the time or place changes, so a
calendar app replaces the earlier copy instead of adding a second one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from ohwb_engage.database import utcnow
from ohwb_engage.workshops.models import Event, EventStatus, Registration, RegistrationStatus

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _uid(event: Event) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "ohwb-engage.invalid"
    return f"ohwb-event-{event.id}@{host}"


def filename(event: Event) -> str:
    return f"event-{event.id}.ics"


def event_ics(event: Event, registration: Registration | None, manage_url: str | None) -> bytes:
    """The event as this registrant should see it: the join link only with a confirmed place."""
    confirmed = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    withdrawn = event.status == EventStatus.CANCELLED or (
        registration is not None and registration.status == RegistrationStatus.CANCELLED
    )
    calendar = Calendar()
    calendar.add("prodid", f"-//{current_app.config['SERVICE_NAME']}//events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", _uid(event))
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("sequence", event.calendar_sequence)
    item.add("summary", event.title)
    if withdrawn:
        item.add("status", "CANCELLED")
    else:
        item.add("status", "CONFIRMED" if confirmed else "TENTATIVE")
    lines = [event.kind_enum.label + "."]
    if event.venue:
        item.add("location", event.venue)
    elif confirmed and event.join_url:
        item.add("location", event.join_url)
    if confirmed and event.join_url:
        item.add("url", event.join_url)
        lines.append(f"Join online: {event.join_url}")
    elif registration is not None and registration.status == RegistrationStatus.WAITLISTED:
        lines.append("You are on the waiting list; we will e-mail you if a place comes up.")
    if manage_url:
        lines.append(f"View or cancel your place: {manage_url}")
    item.add("description", "\n".join(lines))
    calendar.add_component(item)
    return calendar.to_ical()
