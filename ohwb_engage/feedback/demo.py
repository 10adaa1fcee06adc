"""Demo feedback: a KLOE questionnaire answered online and from focus-group notes, evaluations
of past Breakfast Clubs and a follow-up impact survey, with several hundred written answers.

Works whether or not the events demo ran first: it uses past Breakfast Clubs (and their
attendees) when there are some, and creates three with attendees when there are none.
Deterministic: one seeded ``random.Random`` drives every choice.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.demo_corpus import (
    THEMES,
    VOICES,
    as_note,
    compose,
    compose_session,
)
from ohwb_engage.feedback.models import (
    Answer,
    ImportBatch,
    ImportStatus,
    Invitation,
    InvitationSource,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireStatus,
    Response,
    ResponseSource,
    ResponseStatus,
)
from ohwb_engage.feedback.services import add_standard_questions
from ohwb_engage.feedback.text import stored_text
from ohwb_engage.reference.models import REGIONS, StakeholderGroup
from ohwb_engage.reference.services import ensure_default_groups
from ohwb_engage.workshops.models import Event, EventKind, EventStatus, Registration

SEED = 20250401
ORGANISATIONS = [
    ("Northshire Hospitals NHS Foundation Trust", "North West"),
    ("Riverside University Hospitals NHS Trust", "London"),
    ("Southvale Community Health NHS Trust", "South East"),
    ("Midlands Partnership Health", "Midlands"),
    ("Eastfield Integrated Care Board", "East of England"),
    ("Coastal Mental Health NHS Trust", "South West"),
    ("Pennine Primary Care Network", "North East and Yorkshire"),
    ("St Clare's Hospice", "South East"),
    ("NHS England regional team", "National or across England"),
    ("Royal College of Nursing", "National or across England"),
]
# How often each group answers: leads and clinicians most, as in the programme.
GROUP_WEIGHTS = {
    "OH lead": 14, "Wellbeing lead": 14, "OH clinician": 12, "Allied health professional": 7,
    "Service user": 12, "Organisational leader": 8, "System leader": 6, "Academic": 3,
    "Partner organisation": 5, "Other": 2,
}  # fmt: skip
CLUB_TOPICS = {"menopause": "menopause", "msk": "msk", "manager": "managers",
               "mental": "mental_health", "data": "digital", "digital": "digital"}  # fmt: skip


class _Demo:
    def __init__(self, staff: dict[str, User]) -> None:
        self.rng = random.Random(SEED)
        self.now = utcnow()
        self.staff = staff
        ensure_default_groups()
        db.session.flush()
        self.groups = {g.name: g.id for g in db.session.execute(select(StakeholderGroup)).scalars()}
        self.written = 0

    def group(self) -> str:
        names = [n for n in GROUP_WEIGHTS if n in self.groups]
        return self.rng.choices(names, [GROUP_WEIGHTS[n] for n in names])[0]

    def questionnaire(
        self,
        title: str,
        kind: QuestionnaireKind,
        creator: User,
        *,
        opened: datetime,
        closes: datetime | None,
        event: Event | None = None,
        follow_up_weeks: int | None = None,
        introduction: str = "",
    ) -> Questionnaire:
        questionnaire = Questionnaire(
            title=title,
            kind=kind.value,
            introduction=introduction,
            status=QuestionnaireStatus.PUBLISHED.value,
            open_link=event is None,
            opens_at=opened,
            closes_at=closes,
            published_at=opened,
            event_id=event.id if event else None,
            auto_send=event is not None,
            follow_up_weeks=follow_up_weeks,
            redact=True,
            retention_days=730,
            original_retention_days=0,
            created_by_id=creator.id,
            created_at=opened - timedelta(days=3),
        )
        db.session.add(questionnaire)
        db.session.flush()
        add_standard_questions(questionnaire)
        db.session.refresh(questionnaire)
        return questionnaire

    def response(
        self,
        questionnaire: Questionnaire,
        when: datetime,
        group: str,
        *,
        organisation: str = "",
        region: str = "",
        invitation: Invitation | None = None,
        registration_id: int | None = None,
        source: ResponseSource = ResponseSource.ONLINE,
        batch: ImportBatch | None = None,
    ) -> Response:
        response = Response(
            questionnaire_id=questionnaire.id,
            submission_key=secrets.token_urlsafe(24),
            status=ResponseStatus.SUBMITTED.value,
            source=source.value,
            invitation_id=invitation.id if invitation else None,
            registration_id=registration_id,
            event_id=questionnaire.event_id,
            import_id=batch.id if batch else None,
            stakeholder_group_id=self.groups.get(group),
            organisation=organisation,
            region=region,
            consent_at=when,
            answered_at=when,
            last_page=len(questionnaire.sections),
            created_at=when,
            updated_at=when,
        )
        db.session.add(response)
        db.session.flush()
        if invitation is not None:
            invitation.responded_at = when
        return response

    def text(self, response: Response, question: Question, text: str) -> None:
        shown, _ = stored_text(text, redacting=True, keep_original=False)
        db.session.add(Answer(response_id=response.id, question_id=question.id, text=shown))
        self.written += 1

    def choice(self, response: Response, question: Question, keys: list[str]) -> None:
        number = int(keys[0]) if question.kind in ("rating", "likert") else None
        db.session.add(
            Answer(response_id=response.id, question_id=question.id, choices=keys, number=number)
        )

    def scale(self, sentiment: str) -> str:
        centre = {"negative": 2, "mixed": 3, "positive": 4, "none": 3}[sentiment]
        return str(min(5, max(1, centre + self.rng.choice([-1, 0, 0, 1]))))

    def place(self) -> tuple[str, str]:
        return self.rng.choice(ORGANISATIONS)


def _kloe(demo: _Demo) -> tuple[int, int]:
    rng = demo.rng
    opened = demo.now - timedelta(days=150)
    kloe = demo.questionnaire(
        "Key lines of enquiry: occupational health and wellbeing for NHS staff",
        QuestionnaireKind.KLOE,
        demo.staff["facilitator2"],
        opened=opened,
        closes=demo.now + timedelta(days=30),
        introduction="The programme is asking the same key lines of enquiry in every workshop, "
        "interview and engagement session. Answering takes about ten minutes.",
    )
    q_works, q_barriers, q_rating, q_change, q_priorities, q_else = kloe.questions
    online = 110
    for _ in range(online):
        group = demo.group()
        organisation, region = demo.place()
        when = opened + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        response = demo.response(kloe, when, group, organisation=organisation, region=region)
        works = compose(rng, group, sentiment=rng.choice(["positive", "positive", "mixed"]))
        barriers = compose(rng, group, sentiment="negative")
        change = compose(rng, group, sentiment="negative", length=rng.choice(["short", "medium"]))
        demo.text(response, q_works, works.text)
        demo.text(response, q_barriers, barriers.text)
        demo.choice(response, q_rating, [demo.scale(barriers.sentiment)])
        demo.text(response, q_change, change.text)
        keys = [o["key"] for o in q_priorities.options]
        demo.choice(response, q_priorities, sorted(rng.sample(keys, rng.randint(1, 3))))
        if rng.random() < 0.45:
            extra = compose(rng, group, length="short", non_answer_rate=0.35, personal_rate=0.08)
            demo.text(response, q_else, extra.text)
    # Notes from workshops and interviews, imported as a facilitator would.
    batch = ImportBatch(
        key=secrets.token_urlsafe(24),
        questionnaire_id=kloe.id,
        filename="KLOE notes - workshops and interviews.xlsx",
        size=48_213,
        status=ImportStatus.COMMITTED.value,
        consent_basis="Verbal consent recorded at the start of each workshop and interview",
        uploaded_by_id=demo.staff["facilitator2"].id,
        created_at=demo.now - timedelta(days=20),
        committed_at=demo.now - timedelta(days=20),
        mapping={"text": 1, "question": 0, "stakeholder_group": 2, "date": 3},
    )
    db.session.add(batch)
    db.session.flush()
    imported = 0
    for _ in range(60):
        group = demo.group()
        question = rng.choice([q_works, q_barriers, q_change])
        sentiment = "positive" if question is q_works and rng.random() < 0.6 else "negative"
        said = compose(rng, group, sentiment=sentiment, personal_rate=0.05)
        when = opened + timedelta(days=rng.randrange(0, 130))
        when = when.replace(hour=0, minute=0, second=0, microsecond=0)
        response = demo.response(kloe, when, group, source=ResponseSource.IMPORTED, batch=batch)
        demo.text(response, question, as_note(rng, said.text))
        imported += 1
    batch.rows_total = batch.rows_imported = imported
    return online, imported


def _past_clubs(demo: _Demo) -> list[Event]:
    clubs = list(
        db.session.execute(
            select(Event)
            .where(
                Event.kind == EventKind.BREAKFAST_CLUB.value,
                Event.status != EventStatus.CANCELLED.value,
                Event.ends_at < demo.now,
            )
            .order_by(Event.starts_at)
        ).scalars()
    )
    if clubs:
        return clubs[-3:]
    created = []
    for days, title in [
        (-120, "Breakfast Club: supporting managers with staff mental health"),
        (-70, "Breakfast Club: MSK and self-referral physiotherapy"),
        (-28, "Breakfast Club: menopause at work"),
    ]:
        starts = (demo.now + timedelta(days=days)).replace(hour=7, minute=30, second=0,
                                                           microsecond=0)  # fmt: skip
        event = Event(
            title=title,
            kind=EventKind.BREAKFAST_CLUB.value,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            status=EventStatus.PUBLISHED.value,
            created_by_id=demo.staff["facilitator"].id,
        )
        event.facilitators = [demo.staff["facilitator"]]
        db.session.add(event)
        db.session.flush()
        confirmed = 0
        for n in range(demo.rng.randint(55, 80)):
            group = demo.group()
            organisation, region = demo.place()
            attended = demo.rng.random() < 0.8
            db.session.add(
                Registration(
                    event_id=event.id,
                    email=f"club{event.id}.guest{n}@example.org",
                    name=f"Demo Guest {event.id}-{n}",
                    organisation=organisation,
                    region=region,
                    stakeholder_group_id=demo.groups.get(group),
                    status="confirmed",
                    attended_at=event.starts_at if attended else None,
                    created_at=event.starts_at - timedelta(days=14),
                )
            )
            confirmed += 1
        event.seats_taken = confirmed if event.capacity is not None else 0
        created.append(event)
    db.session.flush()
    return created


def _topic(event: Event) -> str | None:
    title = event.title.casefold()
    return next((theme for word, theme in CLUB_TOPICS.items() if word in title), None)


def _attendees(event: Event) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.attended_at.is_not(None))
            .order_by(Registration.id)
        ).scalars()
    )


def _group_name(demo: _Demo, registration: Registration | None) -> str:
    if registration is not None and registration.stakeholder_group_id:
        for name, group_id in demo.groups.items():
            if group_id == registration.stakeholder_group_id:
                return name
    return demo.group()


Writer = Callable[[Response, str, str | None], None]  # (response, group, topic): the answers


def _survey_event(
    demo: _Demo,
    questionnaire: Questionnaire,
    event: Event,
    *,
    start: datetime,
    rate: float,
    fallback: int,
    writer: Writer,
) -> int:
    """Invite the attendees, and have some of them answer (or open-link answers if none)."""
    rng = demo.rng
    attendees = _attendees(event)[:70]
    answered = 0
    for registration in attendees:
        invitation = Invitation(
            questionnaire_id=questionnaire.id,
            email=registration.email,
            name=registration.name,
            registration_id=registration.id,
            source=InvitationSource.ATTENDEES.value,
            created_at=start,
        )
        db.session.add(invitation)
        db.session.flush()
        if rng.random() >= rate:
            if rng.random() < 0.5:
                invitation.reminder_count = 1
                invitation.last_reminded_at = start + timedelta(days=7)
            continue
        when = start + timedelta(hours=rng.randrange(1, 14 * 24))
        group = _group_name(demo, registration)
        response = demo.response(
            questionnaire, when, group, organisation=registration.organisation,
            region=registration.region, invitation=invitation, registration_id=registration.id,
        )  # fmt: skip
        writer(response, group, _topic(event))
        answered += 1
    if not attendees:  # the events demo kept no attendance: answers came via the open link
        questionnaire.open_link = True
        for _ in range(fallback):
            group = demo.group()
            organisation, region = demo.place()
            when = start + timedelta(hours=rng.randrange(1, 14 * 24))
            response = demo.response(questionnaire, when, group, organisation=organisation,
                                     region=region)  # fmt: skip
            writer(response, group, _topic(event))
            answered += 1
    return answered


def _write_evaluation(
    demo: _Demo, questions: list[Question], response: Response, group: str, topic: str | None
) -> None:
    rng = demo.rng
    overall, relevant, learned, useful, better = questions
    mood = rng.choices(["positive", "mixed", "negative"], [6, 3, 1])[0]
    for question in (overall, relevant, learned):
        demo.choice(response, question, [demo.scale(mood)])
    if rng.random() < 0.75:
        demo.text(response, useful, compose_session(rng, "useful", topic).text)
    if rng.random() < 0.6:
        said = (
            compose(rng, group, length="short", non_answer_rate=1.0).text
            if rng.random() < 0.15
            else compose_session(rng, "better", topic).text
        )
        demo.text(response, better, said)


def _evaluations(demo: _Demo, clubs: list[Event]) -> list[tuple[Event, int]]:
    done = []
    for event in clubs:
        evaluation = demo.questionnaire(
            f"Evaluation: {event.title}",
            QuestionnaireKind.SESSION_EVALUATION,
            demo.staff["facilitator"],
            opened=event.ends_at,
            closes=event.ends_at + timedelta(days=21),
            event=event,
        )
        writer = partial(_write_evaluation, demo, list(evaluation.questions))
        answered = _survey_event(
            demo, evaluation, event, start=event.ends_at, rate=0.55, fallback=40, writer=writer
        )
        done.append((event, answered))
    return done


def _write_follow_up(
    demo: _Demo, questions: list[Question], response: Response, group: str, topic: str | None
) -> None:
    rng = demo.rng
    useful, still, changed_q, what_changed, difference = questions
    mood = rng.choices(["positive", "mixed", "negative"], [4, 4, 2])[0]
    demo.choice(response, useful, [demo.scale(mood)])
    demo.choice(response, still, [demo.scale(mood)])
    changed = rng.random() < (0.7 if mood != "negative" else 0.3)
    demo.choice(response, changed_q, ["yes" if changed else "no"])
    if rng.random() < 0.85:
        demo.text(response, what_changed, compose_session(rng, "changed", topic).text)
    if rng.random() < 0.6:
        demo.text(response, difference, compose_session(rng, "difference").text)


def _follow_up(demo: _Demo, event: Event) -> int:
    weeks = 6
    start = event.ends_at + timedelta(weeks=weeks)
    follow_up = demo.questionnaire(
        f"Six weeks on: {event.title}",
        QuestionnaireKind.FOLLOW_UP,
        demo.staff["facilitator"],
        opened=start,
        closes=start + timedelta(days=28),
        event=event,
        follow_up_weeks=weeks,
    )
    writer = partial(_write_follow_up, demo, list(follow_up.questions))
    return _survey_event(demo, follow_up, event, start=start, rate=0.35, fallback=25, writer=writer)


def seed(staff: dict[str, User]) -> list[str]:
    demo = _Demo(staff)
    online, imported = _kloe(demo)
    clubs = _past_clubs(demo)
    evaluations = _evaluations(demo, clubs)
    followed = None
    # A follow-up for the earliest club whose six weeks have passed.
    for event in clubs:
        if event.ends_at + timedelta(weeks=6) < demo.now:
            followed = (event, _follow_up(demo, event))
            break
    db.session.commit()
    lines = [
        f"Feedback: KLOE questionnaire with {online} online responses and {imported} imported "
        "notes.",
        "Feedback: evaluations of "
        + ", ".join(f"{e.title} ({n} responses)" for e, n in evaluations)
        + ".",
    ]
    if followed:
        lines.append(
            f"Feedback: follow-up survey for {followed[0].title} ({followed[1]} responses)."
        )
    lines.append(
        f"Feedback: {demo.written} written answers across {len(THEMES)} themes for analysis "
        f"(voices: {len(VOICES)} stakeholder groups; regions: {len(REGIONS)})."
    )
    return lines
