"""Participants' signed manage links: who they are is in the link, so they need no account.

The payload holds the registration id and a fingerprint of the row (id, e-mail, creation
time): a link cannot be replayed against another row, even one that reuses a deleted id.
Links stop working 90 days after the event ends (there is nothing left to manage then).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.tokens import TokenExpired, TokenInvalid, make_token, read_token
from ohwb_engage.urls import external_url
from ohwb_engage.workshops.models import Registration

MANAGE = "registration"
LINK_LIFETIME_AFTER_EVENT = timedelta(days=90)
# A hard ceiling on any link's age, whatever happens to the event's dates.
MAX_LINK_AGE_SECONDS = 3 * 365 * 24 * 3600


def _fingerprint(registration: Registration) -> str:
    return _fingerprint_of(registration.id, registration.email, registration.created_at)


def _fingerprint_of(registration_id: int, email: str, created_at: datetime) -> str:
    raw = f"{registration_id}:{email}:{created_at.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def manage_token(registration: Registration) -> str:
    return manage_token_for(registration.id, registration.email, registration.created_at)


def manage_token_for(registration_id: int, email: str, created_at: datetime) -> str:
    """The token for a row just inserted, before (or without) an object for it."""
    payload = {"r": registration_id, "f": _fingerprint_of(registration_id, email, created_at)}
    return make_token(MANAGE, payload)


def manage_url(registration: Registration, token: str | None = None) -> str:
    return manage_url_for(token or manage_token(registration))


def manage_url_for(token: str) -> str:
    return external_url("workshops.manage", token=token)


def registration_from_token(token: str) -> Registration:
    """The registration a link belongs to, or ``TokenInvalid`` / ``TokenExpired``."""
    payload = read_token(MANAGE, token, MAX_LINK_AGE_SECONDS)
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise TokenInvalid("This link is not valid. Check you copied all of it.")
    registration = db.session.get(Registration, payload["r"])
    if registration is None or payload.get("f") != _fingerprint(registration):
        raise TokenInvalid("This link is not valid. Check you copied all of it.")
    if utcnow() > registration.event.ends_at + LINK_LIFETIME_AFTER_EVENT:
        raise TokenExpired(
            "This link has expired: links to manage a place stop working 90 days after the event."
        )
    return registration
