"""The staff pages each role can reach: one list feeds the header and the staff home page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user
from werkzeug.routing import BuildError


@dataclass(frozen=True)
class StaffLink:
    label: str
    endpoint: str
    roles: tuple[str, ...]
    description: str
    in_header: bool = True


ADMIN = ("admin",)
EVERY_ROLE = ("admin", "facilitator", "analyst")
EVENT_MANAGERS = ("admin", "facilitator")

# Features add their pages here as they land, in the order people use them.
STAFF_LINKS: list[StaffLink] = [
    StaffLink(
        "Events",
        "workshops.staff_events",
        EVERY_ROLE,
        "Create and run events, registrations, waiting lists and attendance; event reports.",
    ),
    StaffLink(
        "Reach",
        "workshops.reach",
        EVERY_ROLE,
        "Unique people engaged across all events, by group, region and month.",
    ),
    StaffLink(
        "Series and cohorts",
        "workshops.series_list",
        EVENT_MANAGERS,
        "Breakfast Club series and Community of Practice cohorts with member organisations.",
        in_header=False,
    ),
    StaffLink(
        "Themes",
        "themes.frameworks",
        ("admin", "analyst"),
        "Review theme frameworks: evidence, merge, split, code, map all, history and exports.",
    ),
    StaffLink(
        "Draft strategy",
        "roadmap.strategy_index",
        ("admin", "analyst"),
        "Assemble, publish and export the draft strategy; invite reviewers, resolve comments.",
        in_header=False,
    ),
    StaffLink("Staff", "accounts.staff_list", ADMIN, "Invite staff, change roles, deactivate."),
    StaffLink("Outbox", "mail.index", ADMIN, "Every e-mail the service has sent or will send."),
    StaffLink("Audit log", "audit.index", ADMIN, "Who changed what, and when."),
    StaffLink(
        "Questionnaires",
        "feedback.index",
        EVERY_ROLE,
        "KLOEs, session evaluations and follow-up surveys: build, send, import, see results.",
    ),
    StaffLink(
        "Corpus",
        "feedback.corpus_page",
        EVERY_ROLE,
        "The free-text answers available for theme analysis, programme-wide.",
        in_header=False,
    ),
    StaffLink(
        "Theme runs",
        "themes.run_list",
        ("admin", "analyst"),
        "Find themes in the free-text answers, follow each run, and turn one into a framework.",
        in_header=False,
    ),
    StaffLink(
        "Roadmaps",
        "roadmap.programmes",
        ("admin", "analyst"),
        "Programmes' roadmaps traced to the themes, and their public 'You said, we did' pages.",
    ),
    StaffLink(
        "Data subject requests",
        "privacy.index",
        ADMIN,
        "Export or erase everything held about one e-mail address.",
        in_header=False,
    ),
    StaffLink(
        "Stakeholder groups",
        "reference.groups",
        ADMIN,
        "The groups people choose from when they register or answer.",
        in_header=False,
    ),
]


def links_for_current_user(header_only: bool = False) -> list[tuple[StaffLink, str]]:
    if not current_user.is_authenticated:
        return []
    result = []
    for link in STAFF_LINKS:
        if current_user.role not in link.roles or (header_only and not link.in_header):
            continue
        try:
            result.append((link, url_for(link.endpoint)))
        except BuildError:  # a page whose feature is switched off has no link
            continue
    return result
