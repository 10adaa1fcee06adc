"""Who may open which view. Every view is marked either public or for named staff roles.

The marks are also a registry: the access-matrix test walks every route and fails on any
view that carries neither, so a new page cannot ship without a decision about who sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from ohwb_engage.accounts.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
ALL_STAFF = (Role.ADMIN, Role.FACILITATOR, Role.ANALYST)


def public(view: F) -> F:
    """Open to anyone, participants included (they act through signed links, not accounts)."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in staff with one of ``roles``; anonymous users go to sign in, others get 403."""
    allowed = frozenset(r.value for r in roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(*ALL_STAFF)
admin_required = roles_required(Role.ADMIN)


def acting_user() -> User:
    """The signed-in user as a plain object, to hand to services (never the request proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]
