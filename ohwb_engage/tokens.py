"""Signed, time-limited links: staff invitations, password resets, participants' manage links."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenError(Exception):
    """The link cannot be used; ``str()`` is a message fit for the page."""


class TokenInvalid(TokenError):
    pass


class TokenExpired(TokenError):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@lru_cache(maxsize=32)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    """Built once per key and purpose (every registration signs a manage link). The purpose
    is the salt: a reset token can never be replayed as an invitation."""
    return URLSafeTimedSerializer(secret_key, salt=f"ohwb.{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    return str(_serializer(purpose).dumps(payload))


def read_token(purpose: str, token: str, max_age_seconds: int | None) -> Any:
    """Return the payload, or raise ``TokenExpired`` / ``TokenInvalid`` with a plain message."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenExpired("This link has expired.") from exc
    except BadSignature as exc:
        raise TokenInvalid("This link is not valid. Check you copied all of it.") from exc
