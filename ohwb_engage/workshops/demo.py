"""Demo programme: events of every kind, past and upcoming, with a few hundred people.

Deterministic: the same seed gives the same people, places and attendance every time
(dates are placed relative to today so the demo always has past and upcoming events).
Rows are written directly (not through the registration service) so that thousands of
demo confirmations are not queued as e-mails; ``seats_taken`` is set to match (events with a
capacity).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from ohwb_engage.accounts.models import User
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.models import REGIONS
from ohwb_engage.reference.services import ensure_default_groups, stakeholder_groups
from ohwb_engage.workshops.models import (
    AgendaItem,
    AttendanceMethod,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    InviteCode,
    Registration,
    RegistrationStatus,
    SeriesKind,
    SeriesMember,
    Speaker,
)
from ohwb_engage.workshops.times import london_to_utc, utc_to_london

SEED = 20240611
PEOPLE = 420

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Efua",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sarah",
    "Tomasz",
    "Uche",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zara",
    "Amelia",
    "Callum",
    "Deepa",
    "Ewan",
    "Grace",
    "Harvey",
    "Isla",
    "Jamal",
    "Katie",
    "Liam",
    "Megan",
    "Nadia",
    "Owen",
    "Ruth",
    "Sanjay",
    "Tariq",
]
LAST = [
    "Adams",
    "Ahmed",
    "Baker",
    "Begum",
    "Campbell",
    "Chen",
    "Davies",
    "Edwards",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Khan",
    "Lewis",
    "Morgan",
    "Murphy",
    "Nowak",
    "Okafor",
    "Owusu",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Smith",
    "Taylor",
    "Thomas",
    "Walker",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
]
ORGANISATIONS = [
    ("Riverside University Hospitals NHS Trust", "London"),
    ("Moorland Community Health NHS Trust", "North East and Yorkshire"),
    ("Coastal and Vale Mental Health NHS Foundation Trust", "South West"),
    ("Greater Millbrook Integrated Care Board", "North West"),
    ("Northshire Teaching Hospitals NHS Foundation Trust", "North East and Yorkshire"),
    ("Fenland and Broads Hospitals NHS Trust", "East of England"),
    ("Midlands Partnership Health NHS Trust", "Midlands"),
    ("Weald and Downs Community NHS Trust", "South East"),
    ("Thames Valley Ambulance Service", "South East"),
    ("Pennine Care Collaborative", "North West"),
    ("Severnside Acute NHS Trust", "South West"),
    ("City and Hackbridge Primary Care Network", "London"),
    ("Wolds and Humber Mental Health NHS Trust", "North East and Yorkshire"),
    ("Black Country Health Partnership", "Midlands"),
    ("Anglia Occupational Health Service", "East of England"),
    ("University of Lowfield", "Midlands"),
    ("Society of Occupational Medicine (demo)", "National or across England"),
    ("NHS Employers (demo)", "National or across England"),
    ("Wellbeing Works CIC", "London"),
    ("Kent Coast Hospitals NHS Trust", "South East"),
]
JOB_ROLES = {
    "OH lead": ["Head of Occupational Health", "Occupational Health Manager"],
    "Wellbeing lead": ["Health and Wellbeing Lead", "Staff Wellbeing Manager"],
    "OH clinician": ["Occupational Health Nurse Adviser", "Occupational Health Physician"],
    "Allied health professional": ["Occupational Therapist", "Physiotherapist"],
    "Service user": ["Staff nurse", "Healthcare assistant", "Porter", "Ward clerk"],
    "Organisational leader": ["Director of People", "Deputy Chief Nurse"],
    "System leader": ["ICS Chief People Officer", "Regional Workforce Lead"],
    "Academic": ["Senior Lecturer in Occupational Health", "Research Fellow"],
    "Partner organisation": ["Programme Manager", "Policy Adviser"],
    "Other": ["Project Officer", "Freedom to Speak Up Guardian"],
}
GROUP_WEIGHTS = {
    "OH lead": 14,
    "Wellbeing lead": 16,
    "OH clinician": 14,
    "Allied health professional": 8,
    "Service user": 18,
    "Organisational leader": 9,
    "System leader": 6,
    "Academic": 4,
    "Partner organisation": 7,
    "Other": 4,
}
ONLINE = "https://meet.example.org/j/ohwb-{n}"


def _at(today: date, days: int, hour: int, minute: int = 0) -> datetime:
    return london_to_utc(today + timedelta(days=days), time(hour, minute))


class _Builder:
    def __init__(self, staff: dict[str, User]) -> None:
        self.rng = random.Random(SEED)
        self.staff = staff
        self.today = utc_to_london(utcnow()).date()
        self.now = utcnow()
        self.groups = {g.name: g for g in stakeholder_groups(include_retired=True)}
        self.people = self._people()
        self.events: list[Event] = []

    def _people(self) -> list[dict[str, object]]:
        names = list(GROUP_WEIGHTS)
        weights = [GROUP_WEIGHTS[n] for n in names]
        people = []
        for i in range(PEOPLE):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            organisation, region = self.rng.choice(ORGANISATIONS)
            if self.rng.random() < 0.15:
                region = self.rng.choice(REGIONS[:7])
            group = self.rng.choices(names, weights)[0]
            people.append(
                {
                    "name": f"{first} {last}",
                    "email": f"{first}.{last}.{i}@example.org".lower(),
                    "organisation": organisation,
                    "job_role": self.rng.choice(JOB_ROLES[group]),
                    "group": self.groups.get(group),
                    "region": region,
                    "consent_contact": self.rng.random() < 0.6,
                    "access_needs": "Live captions, please." if self.rng.random() < 0.04 else "",
                }
            )
        return people

    def event(
        self, title: str, kind: EventKind, days: int, hour: int, minutes: int, **fields: object
    ) -> Event:
        starts = _at(self.today, days, hour)
        event = Event(
            title=title,
            kind=kind.value,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            status=fields.pop("status", EventStatus.PUBLISHED.value),
            created_by_id=self.staff["facilitator"].id,
            **fields,
        )
        event.join_url = (
            event.join_url if "venue" in fields else ONLINE.format(n=len(self.events) + 1)
        )
        if event.status != EventStatus.DRAFT:
            event.published_at = starts - timedelta(days=30)
        event.created_at = starts - timedelta(days=35)
        db.session.add(event)
        self.events.append(event)
        return event

    def fill(
        self,
        event: Event,
        confirmed: int,
        waitlisted: int = 0,
        pool: list | None = None,
        cancelled: int = 0,
        attendance: float = 0.78,
    ) -> None:
        chosen = self.rng.sample(pool or self.people, confirmed + waitlisted + cancelled)
        past = event.ends_at < self.now
        for i, person in enumerate(chosen):
            registered = event.starts_at - timedelta(days=30) + timedelta(minutes=37 * i)
            registered = min(registered, self.now - timedelta(hours=2))
            registration = Registration(
                event=event,
                email=person["email"],
                name=person["name"],
                organisation=person["organisation"],
                job_role=person["job_role"],
                stakeholder_group=person["group"],
                region=person["region"],
                access_needs=person["access_needs"],
                consent_contact=person["consent_contact"],
                created_at=registered,
            )
            if i < confirmed:
                registration.status = RegistrationStatus.CONFIRMED.value
                if past and self.rng.random() < attendance:
                    registration.attended_at = event.starts_at + timedelta(
                        minutes=self.rng.randint(-10, 15)
                    )
                    registration.attendance_method = self.rng.choice(
                        [AttendanceMethod.SELF.value, AttendanceMethod.FACILITATOR.value]
                    )
            elif i < confirmed + waitlisted:
                registration.status = RegistrationStatus.WAITLISTED.value
                registration.waitlisted_at = registered
            else:
                registration.status = RegistrationStatus.CANCELLED.value
                registration.cancelled_at = registered + timedelta(days=2)
            db.session.add(registration)
        event.seats_taken = confirmed if event.capacity is not None else 0


def _breakfast_agenda(event: Event, topic: str, speakers: list[tuple[str, str, str, str]]) -> None:
    event.agenda_items = [
        AgendaItem(position=0, minutes_from_start=0, title="Welcome and introductions"),
        AgendaItem(
            position=1,
            minutes_from_start=10,
            title=topic,
            details="Short talks from the speakers, then questions.",
        ),
        AgendaItem(position=2, minutes_from_start=45, title="Discussion in breakout rooms"),
        AgendaItem(position=3, minutes_from_start=80, title="What we heard, and next steps"),
    ]
    event.speakers = [
        Speaker(
            position=i,
            name=n,
            role=r,
            organisation=o,
            talk_title=t,
            slides_url=f"https://slides.example.org/{event.kind}-{i}",
        )
        for i, (n, r, o, t) in enumerate(speakers)
    ]


def seed(staff: dict[str, User]) -> list[str]:
    """Add the demo events; returns lines for the command's report."""
    ensure_default_groups()
    db.session.flush()
    b = _Builder(staff)
    fiona, dev = staff["facilitator"], staff["facilitator2"]

    breakfast = EventSeries(
        title="OHWB Breakfast Club",
        kind=SeriesKind.SERIES.value,
        summary="Expert talks over breakfast for everyone working on staff health and "
        "wellbeing. Each club takes one theme; the slides are shared afterwards.",
        created_by_id=fiona.id,
    )
    cop = EventSeries(
        title="Community of Practice: pilot sites",
        kind=SeriesKind.COHORT.value,
        summary="The four pilot sites testing the new occupational health and wellbeing "
        "model meet every month to share what is working.",
        created_by_id=dev.id,
    )
    cop.members = [
        SeriesMember(organisation=o, region=r, role="Pilot site") for o, r in ORGANISATIONS[:4]
    ]
    db.session.add_all([breakfast, cop])

    clubs = [
        (-150, "Breakfast Club: what good occupational health looks like", 120, 96, 0),
        (-95, "Breakfast Club: wellbeing guardians and leadership", 120, 104, 0),
        (-30, "Breakfast Club: menopause, long-term conditions and staying in work", 120, 112, 0),
        (12, "Breakfast Club: data and digital in occupational health", 90, 90, 14),
    ]
    talks = [
        (
            "Dr Helen Marsh",
            "Consultant Occupational Physician",
            "Riverside University Hospitals",
            "What the evidence says",
        ),
        ("Samir Qureshi", "Head of Wellbeing", "Midlands Partnership Health", "From pilot to plan"),
    ]
    for days, title, capacity, confirmed, waiting in clubs:
        event = b.event(
            title,
            EventKind.BREAKFAST_CLUB,
            days,
            8,
            90,
            capacity=capacity,
            series=breakfast,
            summary="Join us for a short, practical session. Bring your questions.",
        )
        event.facilitators = [fiona]
        _breakfast_agenda(event, title.split(": ", 1)[1].capitalize(), talks)
        b.fill(event, confirmed, waiting, cancelled=6)

    pilots = [p for p in b.people if p["organisation"] in {o for o, _ in ORGANISATIONS[:4]}]
    for n, days in enumerate([-110, -80, -45, -10, 20], start=1):
        event = b.event(
            f"Community of Practice meeting {n}",
            EventKind.COMMUNITY_OF_PRACTICE,
            days,
            14,
            120,
            capacity=30,
            series=cop,
            audience="invite",
            summary="For the pilot sites' project teams.",
        )
        event.facilitators = [dev]
        event.invite_codes = [
            InviteCode(
                code="COP-PILOTS",
                label="Pilot site teams",
                uses=18 if days < 0 else 9,
                created_by_id=dev.id,
            )
        ]
        b.fill(event, 18 if days < 0 else 9, pool=pilots, attendance=0.9)

    workshops = [
        (-130, "Co-design workshop: what staff need from occupational health", 40, 38),
        (-60, "Co-design workshop: access to services for bank and agency staff", 40, 33),
        (-20, "Co-design workshop: shaping the roadmap", 40, 40),
        (1, "Co-design workshop: measuring what matters", 40, 27),
        (18, "Co-design workshop: wellbeing for night workers", 40, 11),
    ]
    for days, title, capacity, confirmed in workshops:
        event = b.event(
            title,
            EventKind.CODESIGN_WORKSHOP,
            days,
            10,
            150,
            capacity=capacity,
            summary="A virtual co-design workshop with OH and wellbeing leads, "
            "service users and system leaders. **No preparation needed.**",
        )
        event.facilitators = [fiona, dev]
        event.agenda_items = [
            AgendaItem(position=0, minutes_from_start=0, title="Why we are here"),
            AgendaItem(position=1, minutes_from_start=20, title="Small-group co-design"),
            AgendaItem(position=2, minutes_from_start=120, title="Feeding back and voting"),
        ]
        b.fill(event, confirmed, cancelled=3)

    for days, title, capacity, confirmed in [
        (-75, "Engagement session with partner organisations", None, 64),
        (-40, "Engagement session: regional workforce leads", None, 41),
        (15, "Engagement session: ICS people directors", None, 23),
    ]:
        event = b.event(title, EventKind.ENGAGEMENT_SESSION, days, 13, 60, capacity=capacity)
        event.facilitators = [dev]
        b.fill(event, confirmed)

    service_users = [p for p in b.people if p["group"] is b.groups.get("Service user")]
    for days, title in [
        (-25, "Focus group: staff who used occupational health"),
        (25, "Focus group: returning to work after sickness absence"),
    ]:
        event = b.event(
            title,
            EventKind.FOCUS_GROUP,
            days,
            12,
            90,
            capacity=10,
            venue="Room 4, Riverside Education Centre, London SE1 7EH",
            waitlist_enabled=False,
        )
        event.facilitators = [fiona]
        b.fill(event, 10 if days < 0 else 6, pool=service_users, attendance=0.9)

    draft = b.event(
        "Co-design workshop: occupational health for primary care (draft)",
        EventKind.CODESIGN_WORKSHOP,
        40,
        10,
        120,
        capacity=40,
        status=EventStatus.DRAFT.value,
    )
    draft.facilitators = [fiona]
    cancelled = b.event(
        "Engagement session: independent sector providers",
        EventKind.ENGAGEMENT_SESSION,
        9,
        15,
        60,
        capacity=50,
        status=EventStatus.CANCELLED.value,
    )
    cancelled.facilitators = [dev]
    cancelled.cancelled_at = utcnow() - timedelta(days=1)
    cancelled.cancellation_reason = (
        "We are moving this session to the spring. Everyone registered will be invited first."
    )
    b.fill(cancelled, 12)

    db.session.commit()
    people = {r.email for e in b.events for r in e.registrations}
    places = sum(1 for e in b.events for r in e.registrations if r.status == "confirmed")
    return [
        f"Events: {len(b.events)} of every kind (a full Breakfast Club with a waiting list, a "
        "Community of Practice cohort of four pilot sites, a draft and a cancelled event).",
        f"Registrations: {places} places for {len(people)} people; past events have attendance.",
    ]
