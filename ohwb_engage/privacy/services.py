"""Data subject requests and retention, across registrations, feedback and the outbox.

An administrator can export everything held about one e-mail address (JSON or CSV) or
erase it. Erasure anonymises registrations in place (status and attendance stay, so seat
counts and attendance figures remain true), forgets the address on invitations (response
rates stay true), deletes the person's responses and answers, and blanks the e-mails sent to
them. Open-link and anonymous answers hold no address, so they cannot be found, by design.

The audit log records each request with a keyed hash of the address, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.imports import cleanup_stale_uploads
from ohwb_engage.feedback.models import Answer, Invitation, Question, Questionnaire, Response
from ohwb_engage.feedback.results import csv_text
from ohwb_engage.feedback.services import ERASED_DOMAIN
from ohwb_engage.mail.models import MessageStatus, OutboxMessage
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.roadmap import strategy
from ohwb_engage.roadmap.models import Programme, ProgrammeNotice
from ohwb_engage.themes.runs import forget_deleted_answers
from ohwb_engage.workshops.models import Event, Registration

ERASED_MARK = "[erased on request]"


def normalise(email: str) -> str:
    return email.strip().lower()


def subject_hash(email: str) -> str:
    """A keyed hash: the same person's requests can be matched in the audit log, but the
    address cannot be recovered from it (nor guessed from a list without the secret key)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, normalise(email).encode(), hashlib.sha256).hexdigest()[:32]


def _audit(action: str, email: str, actor: User, **details: Any) -> None:
    digest = subject_hash(email)
    record(action, None, actor=actor, target_type="data_subject", target_id=digest[:16],
           subject=digest, **details)  # fmt: skip


def _registrations(email: str) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration).where(Registration.email == email).order_by(Registration.id)
        ).scalars()
    )


def _invitations(email: str) -> list[Invitation]:
    return list(
        db.session.execute(
            select(Invitation).where(Invitation.email == email).order_by(Invitation.id)
        ).scalars()
    )


def _responses(invitation_ids: list[int], registration_ids: list[int]) -> list[Response]:
    if not invitation_ids and not registration_ids:
        return []
    return list(
        db.session.execute(
            select(Response)
            .where(
                or_(
                    Response.invitation_id.in_(invitation_ids),
                    Response.registration_id.in_(registration_ids),
                )
            )
            .order_by(Response.id)
        ).scalars()
    )


def _outbox(email: str) -> list[OutboxMessage]:
    return list(
        db.session.execute(
            select(OutboxMessage)
            .where(func.lower(OutboxMessage.to_address) == email)
            .order_by(OutboxMessage.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Holdings:
    registrations: int
    invitations: int
    responses: int
    emails: int
    reviewers: int = 0  # invitations to review a draft strategy

    @property
    def total(self) -> int:
        return self.registrations + self.invitations + self.responses + self.emails + self.reviewers


def _holdings(email: str) -> tuple[list[Registration], list[Invitation], list[Response],
                                   list[OutboxMessage]]:  # fmt: skip
    registrations = _registrations(email)
    invitations = _invitations(email)
    responses = _responses([i.id for i in invitations], [r.id for r in registrations])
    return registrations, invitations, responses, _outbox(email)


def find(email: str, *, actor: User) -> Holdings:
    """What is held about this address (counts). Looking is audited: it is access."""
    email = normalise(email)
    registrations, invitations, responses, outbox = _holdings(email)
    held = Holdings(
        len(registrations), len(invitations), len(responses), len(outbox),
        strategy.count_reviewer_records(email),
    )  # fmt: skip
    _audit("privacy.lookup", email, actor, **asdict(held))
    db.session.commit()
    return held


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def collect(email: str) -> dict[str, list[dict[str, Any]]]:
    """Everything held about the address, as plain data."""
    email = normalise(email)
    registrations, invitations, responses, outbox = _holdings(email)
    events = (
        {e.id: e.title for e in db.session.execute(select(Event)).scalars()}
        if (registrations or responses)
        else {}
    )
    groups = {g.id: g.name for g in db.session.execute(select(StakeholderGroup)).scalars()}
    questionnaires = {
        q.id: q.title
        for q in db.session.execute(
            select(Questionnaire).where(
                Questionnaire.id.in_(
                    {i.questionnaire_id for i in invitations}
                    | {r.questionnaire_id for r in responses}
                )
            )
        ).scalars()
    }
    questions = {
        q.id: q
        for q in db.session.execute(
            select(Question).where(
                Question.questionnaire_id.in_({r.questionnaire_id for r in responses})
            )
        ).scalars()
    }
    answers: dict[int, list[Answer]] = {}
    for answer in db.session.execute(
        select(Answer).where(Answer.response_id.in_([r.id for r in responses]))
    ).scalars():
        answers.setdefault(answer.response_id, []).append(answer)

    def answer_data(answer: Answer) -> dict[str, Any]:
        question = questions.get(answer.question_id)
        value: Any = answer.text_original or answer.text
        if answer.choices is not None and question is not None:
            value = [question.option_label(k) for k in answer.choices]
        return {"question": question.text if question else "", "answer": value}

    return {
        "registrations": [
            {
                "id": r.id,
                "event": events.get(r.event_id, ""),
                "email": r.email,
                "name": r.name,
                "organisation": r.organisation,
                "job_role": r.job_role,
                "stakeholder_group": groups.get(r.stakeholder_group_id or 0, ""),
                "region": r.region,
                "access_needs": r.access_needs,
                "consent_contact": r.consent_contact,
                "status": r.status,
                "registered_at": _iso(r.created_at),
                "cancelled_at": _iso(r.cancelled_at),
                "attended_at": _iso(r.attended_at),
            }
            for r in registrations
        ],
        "invitations": [
            {
                "id": i.id,
                "questionnaire": questionnaires.get(i.questionnaire_id, ""),
                "email": i.email,
                "name": i.name,
                "invited_at": _iso(i.created_at),
                "reminders": i.reminder_count,
                "responded_at": _iso(i.responded_at),
            }
            for i in invitations
        ],
        "responses": [
            {
                "id": r.id,
                "questionnaire": questionnaires.get(r.questionnaire_id, ""),
                "status": r.status,
                "stakeholder_group": groups.get(r.stakeholder_group_id or 0, ""),
                "organisation": r.organisation,
                "region": r.region,
                "consent_at": _iso(r.consent_at),
                "may_quote": r.may_quote,
                "contact_consent": r.contact_consent,
                "answered_at": _iso(r.answered_at),
                "answers": [answer_data(a) for a in answers.get(r.id, [])],
            }
            for r in responses
        ],
        "emails": [
            {
                "id": m.id,
                "to": m.to_address,
                "subject": m.subject,
                "body": m.body_text,
                "status": m.status,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in outbox
        ],
        # Held as a keyed hash of the address: found by hashing the address asked about.
        "roadmap_notices": [
            {"id": programme_id, "programme": title, "sent_at": _iso(sent_at)}
            for programme_id, title, sent_at in db.session.execute(
                select(Programme.id, Programme.title, ProgrammeNotice.sent_at)
                .join(Programme, Programme.id == ProgrammeNotice.programme_id)
                .where(ProgrammeNotice.address_hash == subject_hash(email))
                .order_by(ProgrammeNotice.sent_at)
            )
        ],
        "strategy_reviewers": strategy.reviewer_records(email),
    }


def export(email: str, fmt: str, *, actor: User) -> tuple[str, str, str]:
    """(filename, mimetype, body) of everything held, as JSON or CSV. Audited."""
    data = collect(email)
    stamp = utcnow().strftime("%Y%m%d")
    if fmt == "csv":
        rows = []
        for kind, items in data.items():
            for item in items:
                for name, value in item.items():
                    if name == "answers":
                        for n, qa in enumerate(value, start=1):
                            answer = qa["answer"]
                            if isinstance(answer, list):
                                answer = "; ".join(answer)
                            rows.append([kind, item["id"], f"answer {n}: {qa['question']}", answer])
                    elif name != "id":
                        rows.append([kind, item["id"], name, "" if value is None else value])
        body = csv_text(["record", "id", "field", "value"], rows)
        filename, mimetype = f"data-subject-request-{stamp}.csv", "text/csv"
    else:
        body = json.dumps(data, indent=2, ensure_ascii=False)
        filename, mimetype = f"data-subject-request-{stamp}.json", "application/json"
    _audit("privacy.export", email, actor, format=fmt, **{k: len(v) for k, v in data.items()})
    db.session.commit()
    return filename, mimetype, body


def erase(email: str, *, actor: User) -> Holdings:
    """Erase or anonymise everything held about the address, in one transaction."""
    email = normalise(email)
    begin_write()
    registrations, invitations, responses, outbox = _holdings(email)
    for registration in registrations:
        # Anonymised in place: status, attendance and seat counts stay as they were.
        registration.email = f"erased-{registration.id}@{ERASED_DOMAIN}"
        registration.name = "Erased"
        registration.organisation = ""
        registration.job_role = ""
        registration.region = ""
        registration.access_needs = ""
        registration.consent_contact = False
    for invitation in invitations:
        invitation.email = None  # responded or not still counts towards the response rate
        invitation.name = ""
    for response in responses:
        db.session.delete(response)  # answers go with it (ON DELETE CASCADE)
    for message in outbox:
        message.to_address = f"erased@{ERASED_DOMAIN}"
        message.subject = ERASED_MARK
        message.body_text = ERASED_MARK
        message.body_html = None
        message.attachments = []
        if message.status in (MessageStatus.PENDING.value, MessageStatus.SENDING.value):
            message.status = MessageStatus.FAILED.value
            message.last_error = "Not sent: erased on request"
    # "You said, we did" notices: forgotten, so nothing keyed to the address remains.
    db.session.execute(
        delete(ProgrammeNotice).where(ProgrammeNotice.address_hash == subject_hash(email))
    )
    reviewers = strategy.erase_reviewer_records(
        email, erased_domain=ERASED_DOMAIN, mark=ERASED_MARK
    )
    held = Holdings(len(registrations), len(invitations), len(responses), len(outbox), reviewers)
    db.session.flush()
    forget_deleted_answers()  # theme runs' copies of the erased answers
    _audit("privacy.erase", email, actor, **asdict(held))
    db.session.commit()
    return held


@dataclass(frozen=True)
class PurgeReport:
    responses: int = 0
    invitations: int = 0
    originals: int = 0
    uploads: int = 0


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Apply every questionnaire's retention policy. Safe to run daily, or twice at once."""
    now = now or utcnow()
    policies = db.session.execute(
        select(
            Questionnaire.id, Questionnaire.retention_days, Questionnaire.original_retention_days
        )
    ).all()
    db.session.commit()
    responses = invitations = originals = 0
    for questionnaire_id, retention_days, original_days in policies:
        begin_write()
        cutoff = now - timedelta(days=retention_days)
        expired = select(Response.id).where(
            Response.questionnaire_id == questionnaire_id,
            func.coalesce(Response.answered_at, Response.created_at) < cutoff,
        )
        responses += db.session.execute(
            delete(Response)
            .where(Response.id.in_(expired))
            .execution_options(synchronize_session=False)
        ).rowcount
        invitations += db.session.execute(
            delete(Invitation)
            .where(Invitation.questionnaire_id == questionnaire_id, Invitation.created_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
        original_cutoff = now - timedelta(days=original_days)
        originals += db.session.execute(
            update(Answer)
            .where(
                Answer.text_original.is_not(None),
                Answer.response_id.in_(
                    select(Response.id).where(
                        Response.questionnaire_id == questionnaire_id,
                        func.coalesce(Response.answered_at, Response.created_at) < original_cutoff,
                    )
                ),
            )
            .values(text_original=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        forget_deleted_answers()
        db.session.commit()
    uploads = cleanup_stale_uploads(now)
    report = PurgeReport(responses, invitations, originals, uploads)
    if report != PurgeReport():
        record("privacy.purge", None, actor=None, actor_label="scheduled command",
               target_type="retention", **asdict(report))  # fmt: skip
        db.session.commit()
    return report
