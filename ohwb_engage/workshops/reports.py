"""Numbers for facilitators and the programme team: per-event reports, the registrant list
and its CSV export, and programme-wide reach (unique people, de-duplicated by e-mail).

Reports are aggregates: analysts may read them. The registrant list and CSV hold personal
data and are for the event's facilitators and administrators only (see services).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.template_helpers import london
from ohwb_engage.workshops.models import (
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from ohwb_engage.workshops.times import utc_to_london

NOT_GIVEN = "Not given"
TOP_ORGANISATIONS = 15
# Spreadsheet apps run cells that start with these as formulas (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Breakdown:
    """Rows of (label, registered, attended), largest first."""

    rows: list[tuple[str, int, int]]

    @property
    def chart_rows(self) -> list[tuple[str, int]]:
        return [(label, registered) for label, registered, _ in self.rows]


@dataclass(frozen=True)
class EventReport:
    capacity: int | None
    confirmed: int
    waitlisted: int
    cancelled: int
    promoted: int
    attended: int
    self_checked_in: int
    has_started: bool
    by_group: Breakdown
    by_region: Breakdown
    by_organisation: Breakdown

    @property
    def fill_rate(self) -> int | None:
        if not self.capacity:
            return None
        return round(100 * self.confirmed / self.capacity)

    @property
    def attendance_rate(self) -> int | None:
        if not self.has_started or not self.confirmed:
            return None
        return round(100 * self.attended / self.confirmed)


def _breakdown(pairs: list[tuple[str, bool]], top: int | None = None) -> Breakdown:
    registered: Counter[str] = Counter()
    attended: Counter[str] = Counter()
    for label, came in pairs:
        registered[label or NOT_GIVEN] += 1
        attended[label or NOT_GIVEN] += int(came)
    ordered = sorted(registered, key=lambda k: (-registered[k], k.lower()))
    if top is not None and len(ordered) > top:
        kept, rest = ordered[:top], ordered[top:]
        rows = [(k, registered[k], attended[k]) for k in kept]
        rows.append(
            (
                f"{len(rest)} other organisations",
                sum(registered[k] for k in rest),
                sum(attended[k] for k in rest),
            )
        )
        return Breakdown(rows)
    return Breakdown([(k, registered[k], attended[k]) for k in ordered])


def event_report(event: Event) -> EventReport:
    counts = dict(
        db.session.execute(
            select(Registration.status, func.count(Registration.id))
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    rows = db.session.execute(
        select(
            StakeholderGroup.name,
            Registration.region,
            Registration.organisation,
            Registration.attended_at.is_not(None),
            Registration.attendance_method,
            Registration.promoted_at.is_not(None),
        )
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Registration.stakeholder_group_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
        )
    ).all()
    return EventReport(
        capacity=event.capacity,
        confirmed=counts.get(RegistrationStatus.CONFIRMED.value, 0),
        waitlisted=counts.get(RegistrationStatus.WAITLISTED.value, 0),
        cancelled=counts.get(RegistrationStatus.CANCELLED.value, 0),
        promoted=sum(1 for r in rows if r[5]),
        attended=sum(1 for r in rows if r[3]),
        self_checked_in=sum(1 for r in rows if r[3] and r[4] == "self"),
        has_started=utcnow() >= event.starts_at,
        by_group=_breakdown([(r[0] or "", r[3]) for r in rows]),
        by_region=_breakdown([(r[1], r[3]) for r in rows]),
        by_organisation=_breakdown([(r[2], r[3]) for r in rows], top=TOP_ORGANISATIONS),
    )


# The registrant list --------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrantFilter:
    status: str | None = None
    group_id: int | None = None
    region: str | None = None
    attended: str | None = None  # "yes" | "no"
    search: str | None = None


def registrants_query(event_id: int, filters: RegistrantFilter) -> Select[tuple[Registration]]:
    stmt = select(Registration).where(Registration.event_id == event_id)
    if filters.status:
        stmt = stmt.where(Registration.status == filters.status)
    if filters.group_id:
        stmt = stmt.where(Registration.stakeholder_group_id == filters.group_id)
    if filters.region:
        stmt = stmt.where(Registration.region == filters.region)
    if filters.attended == "yes":
        stmt = stmt.where(Registration.attended_at.is_not(None))
    elif filters.attended == "no":
        stmt = stmt.where(Registration.attended_at.is_(None))
    if filters.search:
        like = f"%{filters.search.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Registration.name).like(like),
                Registration.email.like(like),
                func.lower(Registration.organisation).like(like),
            )
        )
    # Confirmed first, then the waiting list in its order, then cancellations.
    order = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}
    return stmt.order_by(
        case(order, value=Registration.status),
        Registration.waitlisted_at,
        func.lower(Registration.name),
        Registration.id,
    )


def waitlist_positions(event_id: int) -> dict[int, int]:
    """Registration id -> place in the queue (1 is next), for the whole list in one query."""
    ids = db.session.execute(
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    ).scalars()
    return {rid: i for i, rid in enumerate(ids, start=1)}


def safe_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = [
    "Name",
    "E-mail address",
    "Organisation",
    "Job role",
    "Stakeholder group",
    "Region",
    "Status",
    "Registered (UK time)",
    "Promoted from waiting list (UK time)",
    "Attended (UK time)",
    "Check-in",
    "Consent to contact",
    "Access needs",
]


def registrants_csv(event_id: int, filters: RegistrantFilter) -> tuple[str, int]:
    """The CSV text and how many people are in it."""
    out = io.StringIO()
    count = 0
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    groups = dict(db.session.execute(select(StakeholderGroup.id, StakeholderGroup.name)).all())
    for r in db.session.execute(registrants_query(event_id, filters)).scalars():
        count += 1
        writer.writerow(
            safe_cell(v)
            for v in (
                r.name,
                r.email,
                r.organisation,
                r.job_role,
                groups.get(r.stakeholder_group_id, ""),
                r.region,
                r.status,
                london(r.created_at, "%Y-%m-%d %H:%M"),
                london(r.promoted_at, "%Y-%m-%d %H:%M"),
                london(r.attended_at, "%Y-%m-%d %H:%M"),
                r.attendance_method or "",
                "yes" if r.consent_contact else "no",
                r.access_needs,
            )
        )
    return out.getvalue(), count


# Programme-wide reach ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReachFilter:
    basis: str = "places"  # "places": a confirmed place; "attended": recorded as attending
    starts_from: date | None = None
    starts_to: date | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Reach:
    people: int
    registrations: int
    events: int
    by_group: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    by_month: list[tuple[str, int, int]]  # (month, people engaged for the first time, total)
    returning: int = 0
    months: list[str] = field(default_factory=list)


def reach(filters: ReachFilter) -> Reach:
    """Unique people across all events, de-duplicated by (normalised) e-mail address.

    A person counts in the month of their first event; for the group and region breakdowns
    their most recent answer wins (people change jobs and move).
    """
    stmt = (
        select(
            Registration.email,
            StakeholderGroup.name,
            Registration.region,
            Event.starts_at,
            Event.kind,
            Event.id,
        )
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Registration.stakeholder_group_id)
        .where(
            Event.status == EventStatus.PUBLISHED.value,
            Registration.status == RegistrationStatus.CONFIRMED.value,
        )
        .order_by(Event.starts_at, Registration.id)
    )
    if filters.basis == "attended":
        stmt = stmt.where(Registration.attended_at.is_not(None))
    if filters.kind:
        stmt = stmt.where(Event.kind == filters.kind)
    rows = db.session.execute(stmt).all()
    rows = [r for r in rows if _within(r[3], filters)]
    latest: dict[str, tuple[str, str]] = {}
    first_month: dict[str, str] = {}
    counts: Counter[str] = Counter()
    kinds: defaultdict[str, set[str]] = defaultdict(set)
    for email, group, region, starts_at, kind, _ in rows:
        latest[email] = (group or NOT_GIVEN, region or NOT_GIVEN)
        first_month.setdefault(email, utc_to_london(starts_at).strftime("%Y-%m"))
        counts[email] += 1
        kinds[EventKind(kind).label].add(email)
    months = _month_range(sorted(set(first_month.values())))
    new_per_month = Counter(first_month.values())
    running, by_month = 0, []
    for month in months:
        running += new_per_month[month]
        by_month.append((month, new_per_month[month], running))
    return Reach(
        people=len(latest),
        registrations=len(rows),
        events=len({r[5] for r in rows}),
        by_group=_ranked(Counter(g for g, _ in latest.values())),
        by_region=_ranked(Counter(r for _, r in latest.values())),
        by_kind=_ranked(Counter({k: len(v) for k, v in kinds.items()})),
        by_month=by_month,
        returning=sum(1 for n in counts.values() if n > 1),
        months=months,
    )


def _within(starts_at: datetime, filters: ReachFilter) -> bool:
    day = utc_to_london(starts_at).date()
    if filters.starts_from and day < filters.starts_from:
        return False
    return not (filters.starts_to and day > filters.starts_to)


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].lower()))


def _month_range(months: list[str]) -> list[str]:
    """Every month from the first to the last, so quiet months show as zero, not a gap."""
    if not months:
        return []
    year, month = map(int, months[0].split("-"))
    end = tuple(map(int, months[-1].split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_label(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")
