"""Demo data for trying the service: staff of each role, then each feature's own demo.

Loaded once: a second run sees the demo admin and stops, unless forced.
"""

from __future__ import annotations

import importlib

from flask import current_app
from sqlalchemy import select

from ohwb_engage.accounts.models import Role, User
from ohwb_engage.accounts.passwords import hash_password
from ohwb_engage.extensions import db

# (e-mail, name, role, password): the README lists these logins.
DEMO_STAFF = [
    ("admin@example.org", "Amara Okafor", Role.ADMIN, "demo-admin-password"),
    ("facilitator@example.org", "Fiona Hughes", Role.FACILITATOR, "demo-facilitator-password"),
    ("facilitator2@example.org", "Dev Patel", Role.FACILITATOR, "demo-facilitator-password"),
    ("analyst@example.org", "Aled Morgan", Role.ANALYST, "demo-analyst-password"),
]

# Modules exposing ``seed(staff: dict[str, User]) -> list[str]``, in dependency order.
# Events first: the feedback demo evaluates the past Breakfast Clubs it finds.
FEATURE_SEEDERS: list[str] = [
    "ohwb_engage.workshops.demo",
    "ohwb_engage.feedback.demo",
    "ohwb_engage.themes.demo",  # a run and a framework over the feedback demo's answers
    "ohwb_engage.roadmap.demo",  # last: it builds on the themes demo when there is one
    "ohwb_engage.roadmap.strategy_demo",  # after the roadmap: version 1 of its strategy
]


class DemoRefused(Exception):
    pass


def seed_demo(force: bool = False) -> list[str]:
    if current_app.config["ENVIRONMENT"] == "production":
        raise DemoRefused("Demo data has known passwords: it is refused in production.")
    existing = db.session.execute(
        select(User).where(User.email == DEMO_STAFF[0][0])
    ).scalar_one_or_none()
    if existing is not None and not force:
        return ["Demo data is already loaded (use --force to add it again)."]
    staff: dict[str, User] = {}
    for email, name, role, password in DEMO_STAFF:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role.value)
            db.session.add(user)
        user.password_hash = hash_password(password)
        staff[email.split("@")[0]] = user  # "admin", "facilitator", "facilitator2", "analyst"
    db.session.commit()
    report = [f"Staff: {len(DEMO_STAFF)} demo accounts (see the README for their logins)."]
    for module_name in FEATURE_SEEDERS:
        report += importlib.import_module(module_name).seed(staff)
    return report
