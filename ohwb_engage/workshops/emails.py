"""What we e-mail registrants. Each function only queues (flushes); the caller commits.

Every message carries the signed manage link; the join link only goes to confirmed places.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.mail.services import Attachment, Outgoing, queue_email
from ohwb_engage.template_helpers import london
from ohwb_engage.workshops import calendar
from ohwb_engage.workshops.links import manage_url
from ohwb_engage.workshops.models import Event, Registration, RegistrationStatus

# The event's columns a registrant's e-mail and its calendar file are written from.
DRAFT_COLUMNS = ("title", "kind", "starts_at", "ends_at", "venue", "join_url", "calendar_sequence")


def _when(event: Event) -> str:
    end = london(event.ends_at, "%-I:%M%p")
    return f"{london(event.starts_at, '%A %-d %B %Y, %-I:%M%p')} to {end} (UK time)"


def _where(event: Event, status: str) -> str:
    if event.venue:
        return f"Venue: {event.venue}"
    if status == RegistrationStatus.CONFIRMED and event.join_url:
        return f"Join online: {event.join_url}"
    return "Online: the joining link is sent to people with a confirmed place."


@dataclass(frozen=True)
class Draft:
    """A message written in full except for its manage link, which goes in last.

    A new registration's confirmation is drafted before its row exists (the link needs the
    row's id), so that nothing but the INSERTs runs while the seat's lock is held.
    """

    subject: str
    before_link: str
    after_link: str
    category: str
    attachments: tuple[Attachment, ...] = ()

    def queue(self, to: str, link: str) -> OutboxMessage:
        return queue_email(
            to,
            self.subject,
            f"{self.before_link}{link}{self.after_link}",
            attachments=self.attachments,
            category=self.category,
        )

    def outgoing(self, to: str, link: str) -> Outgoing:
        """The message for a batch (``queue_emails``)."""
        text = f"{self.before_link}{link}{self.after_link}"
        return Outgoing(to, self.subject, text, self.category, self.attachments)


def _ics(event: Event, status: str) -> tuple[Attachment, ...]:
    # No manage link inside the attachment: it is in the e-mail, and the file can be cached.
    data = calendar.event_ics(event, status, None)
    return (Attachment(calendar.filename(event), "text/calendar", data),)


def _draft(
    event: Event,
    name: str,
    status: str,
    subject: str,
    body: str,
    category: str,
    with_calendar: bool = False,
) -> Draft:
    return Draft(
        subject,
        f"Dear {name},\n\n{body}\nView your registration, update your details or cancel:\n",
        f"\n\n{current_app.config['SERVICE_NAME']}\n",
        category,
        _ics(event, status) if with_calendar else (),
    )


def _send(
    registration: Registration,
    subject: str,
    body: str,
    category: str,
    with_calendar: bool = False,
    token: str | None = None,
) -> OutboxMessage:
    draft = _draft(
        registration.event,
        registration.name,
        registration.status,
        subject,
        body,
        category,
        with_calendar,
    )
    return draft.queue(registration.email, manage_url(registration, token))


def _details(event: Event, status: str) -> str:
    return f"{event.title}\n{_when(event)}\n{_where(event, status)}\n"


def confirmed_draft(event: Event, name: str) -> Draft:
    """The confirmation of a new place, for a registration not yet written."""
    body = (
        f"Your place is confirmed.\n\n{_details(event, RegistrationStatus.CONFIRMED)}\n"
        "The calendar file attached adds the event to your calendar.\n"
    )
    return _draft(
        event,
        name,
        RegistrationStatus.CONFIRMED,
        f"Place confirmed: {event.title}",
        body,
        "registration",
        with_calendar=True,
    )


def waitlisted_draft(event: Event, name: str, position: int | None) -> Draft:
    """The news of a place on the waiting list (no calendar file: there is no place yet)."""
    body = (
        f"The event is full, so you are on the waiting list (number {position}).\n\n"
        f"{_details(event, RegistrationStatus.WAITLISTED)}\nIf a place comes up we will give "
        "it to the next person on the list and e-mail you straight away. You do not need to "
        "do anything.\n"
    )
    return _draft(
        event, name, RegistrationStatus.WAITLISTED, f"Waiting list: {event.title}", body,
        "registration",
    )  # fmt: skip


def welcome_draft(event: Event, name: str, status: str, position: int | None) -> Draft:
    """A new registration's first e-mail: the place confirmed, or its number in the queue."""
    if status == RegistrationStatus.CONFIRMED:
        return confirmed_draft(event, name)
    return waitlisted_draft(event, name, position)


def manage_link_again(registration: Registration) -> None:
    """Someone registered again with this address: send the link, never show it on the page."""
    event = registration.event
    state = {
        RegistrationStatus.CONFIRMED: "You have a place",
        RegistrationStatus.WAITLISTED: "You are on the waiting list",
    }.get(registration.status_enum, "You registered")
    body = (
        f"Someone (probably you) asked to register this e-mail address for {event.title} "
        f"again. {state}; nothing has changed.\n\n{_when(event)}\n"
    )
    _send(registration, f"Your registration: {event.title}", body, "registration")


def promoted(registration: Registration) -> None:
    event = registration.event
    body = (
        "Good news: a place has come up and it is yours.\n\n"
        f"{event.title}\n{_when(event)}\n{_where(event, registration.status)}\n\n"
        "If you can no longer come, please cancel so the next person can have the place.\n"
    )
    _send(registration, f"You have a place: {event.title}", body, "promotion", True)


def cancelled_by_participant(registration: Registration, by_staff: bool) -> None:
    event = registration.event
    who = "The event team has cancelled" if by_staff else "You have cancelled"
    body = f"{who} your registration for {event.title} ({_when(event)}).\n"
    _send(registration, f"Registration cancelled: {event.title}", body, "cancellation", True)


def event_cancelled(registration: Registration, reason: str) -> None:
    event = registration.event
    body = f"We are sorry: {event.title} on {_when(event)} has been cancelled.\n"
    if reason:
        body += f"\n{reason}\n"
    body += "\nThe calendar file attached removes it from your calendar.\n"
    _send(registration, f"Cancelled: {event.title}", body, "event_cancelled", True)


def event_changed(registration: Registration, changes: list[str]) -> None:
    event = registration.event
    listed = "\n".join(f"- {change}" for change in changes)
    body = (
        f"The details of {event.title} have changed:\n{listed}\n\n"
        f"{_when(event)}\n{_where(event, registration.status)}\n\n"
        "The calendar file attached updates your calendar.\n"
    )
    _send(registration, f"Changed: {event.title}", body, "event_changed", True)


def reminder(registration: Registration, kind: str) -> None:
    event = registration.event
    soon = "tomorrow" if kind == "day" else "in an hour"
    if registration.status == RegistrationStatus.CONFIRMED:
        body = (
            f"A reminder that {event.title} starts {soon}.\n\n"
            f"{_when(event)}\n{_where(event, registration.status)}\n\n"
            "If you can no longer come, please cancel so someone on the waiting list can come.\n"
        )
    else:
        body = (
            f"{event.title} starts {soon} and you are still on the waiting list. "
            "If a place comes up we will e-mail you at once.\n\n"
            f"{_when(event)}\n"
        )
    _send(registration, f"Reminder: {event.title} starts {soon}", body, f"reminder_{kind}")


def facilitator_message(registration: Registration, subject: str, text: str) -> None:
    event = registration.event
    body = f"{text}\n\n--\nAbout {event.title}, {_when(event)}.\n"
    _send(registration, subject, body, "event_message")
