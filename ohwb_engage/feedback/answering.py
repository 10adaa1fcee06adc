"""Answering a questionnaire: through an open link or a personal link, a page at a time.

Progress is saved with every page. A response is found again by its personal link (one
response per invitation) or, for open links and anonymous questionnaires, by the hidden
per-form submission key: a double click, a resubmitted form or a retried request carries the
same key, meets the unique constraint, and changes nothing. Anonymous responses store no
e-mail, name, registration, organisation, region or IP address, and only the day they were
given; they still ask for the stakeholder group.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, and_, bindparam, exists, insert, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ohwb_engage.database import UTCDateTime, begin_write, is_sqlite, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    Response,
    ResponseSource,
    ResponseStatus,
    open_at,
)
from ohwb_engage.feedback.services import INVITE_PURPOSE, FeedbackError
from ohwb_engage.feedback.structure import Page, QuestionShape, answer_pages, build_pages
from ohwb_engage.feedback.text import clean_text, stored_text
from ohwb_engage.forms import LONG_TEXT_MAX
from ohwb_engage.reference.models import REGIONS, StakeholderGroup
from ohwb_engage.template_helpers import london
from ohwb_engage.tokens import TokenError, read_token
from ohwb_engage.workshops.models import Registration

SHORT_ANSWER_MAX = 500
PREFER_NOT = "none"  # the stakeholder group answer "Prefer not to say"
ORGANISATION_MAX = 200
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

AnswerValue = str | Sequence[str] | None


class QuestionnaireClosed(FeedbackError):
    pass


class LinkProblem(FeedbackError):
    pass


class AlreadyAnswered(FeedbackError):
    pass


class InvalidAnswer(FeedbackError):
    pass


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def valid_key(key: str | None) -> bool:
    return bool(key) and KEY_PATTERN.match(key) is not None


def pages(questionnaire: Questionnaire) -> list[Page]:
    """The pages with their ORM rows, for staff views (two queries, whatever the size);
    answering uses the cached shapes of ``structure.answer_pages``."""
    return list(build_pages(questionnaire.sections, questionnaire.questions))


def closed_message(questionnaire: Questionnaire, now: datetime | None = None) -> str:
    now = now or utcnow()
    if questionnaire.opens_at and now < questionnaire.opens_at and questionnaire.status != "closed":
        return f"This questionnaire opens on {london(questionnaire.opens_at)}."
    when = questionnaire.closed_at or questionnaire.closes_at
    if when and when <= now:
        return f"This questionnaire closed on {london(when)}, so it no longer takes answers."
    return "This questionnaire is not taking answers."


_BY_CODE = select(Questionnaire).where(Questionnaire.public_code == bindparam("code"))


def open_questionnaire(code: str) -> Questionnaire | None:
    """The questionnaire behind an open link, if it has one (drafts are not shown)."""
    questionnaire = db.session.execute(_BY_CODE, {"code": code}).scalar_one_or_none()
    if questionnaire is None or not questionnaire.open_link or questionnaire.status == "draft":
        return None
    _remember(code, questionnaire)
    return questionnaire


@dataclass(frozen=True)
class OpenLink:
    """What saving an open link's first page needs of its questionnaire, as this process
    last read it. Kept so that the busiest POST reads nothing before its write: the INSERT
    checks every field still holds (``_INSERT_IF_OPEN``), so a stale copy costs a fallback
    to the path that reads, never an answer saved under the wrong rules."""

    id: int
    code: str
    structure_key: str
    anonymous: bool
    redact: bool
    original_retention_days: int


_OPEN_LINKS = "ohwb_open_links"
_OPEN_LINKS_MAX = 256
_open_links_lock = threading.Lock()


def _remember(code: str, questionnaire: Questionnaire) -> None:
    link = OpenLink(
        questionnaire.id,
        code,
        questionnaire.structure_key,
        questionnaire.anonymous,
        questionnaire.redact,
        questionnaire.original_retention_days,
    )
    with _open_links_lock:
        links = current_app.extensions.setdefault(_OPEN_LINKS, OrderedDict())
        links[code] = link
        links.move_to_end(code)
        while len(links) > _OPEN_LINKS_MAX:
            links.popitem(last=False)


def known_open_link(code: str) -> OpenLink | None:
    """This process's copy of an open link's questionnaire, if it has answered it before."""
    with _open_links_lock:
        return current_app.extensions.get(_OPEN_LINKS, {}).get(code)


def invitation_from_token(token: str) -> Invitation:
    try:
        payload = read_token(INVITE_PURPOSE, token, None)
    except TokenError as exc:
        raise LinkProblem(str(exc)) from exc
    invitation_id = payload.get("i") if isinstance(payload, dict) else None
    invitation = (
        db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    )
    if invitation is None or invitation.questionnaire.status == "draft":
        raise LinkProblem(
            "This link is not valid any more. Ask the person who sent it for a new one."
        )
    return invitation


def find_response(
    questionnaire: Questionnaire, *, key: str | None, invitation: Invitation | None
) -> Response | None:
    if invitation is not None and not questionnaire.anonymous:
        return db.session.execute(
            select(Response).where(Response.invitation_id == invitation.id)
        ).scalar_one_or_none()
    if not valid_key(key):
        return None
    return db.session.execute(
        select(Response).where(
            Response.questionnaire_id == questionnaire.id, Response.submission_key == key
        )
    ).scalar_one_or_none()


def answers_by_question(response: Response | None) -> dict[int, Answer]:
    return {} if response is None else {a.question_id: a for a in response.answers}


@dataclass(frozen=True)
class AboutYou:
    stakeholder_group_id: int | None = None
    organisation: str = ""
    region: str = ""
    # Opt-ins for the roadmap's public "You said, we did" page (quotes, and an e-mail).
    may_quote: bool = False
    contact_consent: bool = False


def prefill_about(invitation: Invitation | None, response: Response | None) -> AboutYou:
    """What we already know: the earlier answer, or what they gave when registering."""
    if response is not None and response.status == ResponseStatus.SUBMITTED.value:
        return AboutYou(
            response.stakeholder_group_id,
            response.organisation,
            response.region,
            response.may_quote,
            response.contact_consent,
        )
    registration = (
        db.session.get(Registration, invitation.registration_id)
        if invitation is not None and invitation.registration_id
        else None
    )
    if registration is None:
        return AboutYou()
    return AboutYou(
        registration.stakeholder_group_id, registration.organisation, registration.region
    )


def form_data(
    page: Page, final: bool, invitation: Invitation | None, response: Response | None
) -> dict[str, Any]:
    """What the page's form shows: earlier answers, and on the last page "about you"."""
    existing = answers_by_question(response)
    data: dict[str, Any] = {}
    for question in page.questions:
        answer = existing.get(question.id)
        if answer is None:
            continue
        if question.is_text:
            data[f"q{question.id}"] = answer.text
        elif question.kind == QuestionKind.MULTIPLE_CHOICE.value:
            data[f"q{question.id}"] = answer.choices or []
        else:
            data[f"q{question.id}"] = (answer.choices or [None])[0]
    if final:
        about = prefill_about(invitation, response)
        submitted = response is not None and response.status == ResponseStatus.SUBMITTED.value
        group = str(about.stakeholder_group_id) if about.stakeholder_group_id else None
        data["stakeholder_group"] = group or (PREFER_NOT if submitted else None)
        data["organisation"] = about.organisation
        data["region"] = about.region or None
        data["consent"] = bool(response and response.consent_at)
        data["may_quote"] = about.may_quote
        data["contact_consent"] = about.contact_consent
    return data


@dataclass(frozen=True)
class SaveResult:
    response_id: int
    complete: bool  # submitted (now or before)
    duplicate: bool  # a repeat of a submission already stored: nothing changed
    missing_page: int | None = None  # final page sent, but an earlier page lacks an answer


def _check_value(
    question: Question | QuestionShape, value: AnswerValue
) -> tuple[str | None, list[str] | None]:
    """(text, choices) after checking the value fits the question; raises InvalidAnswer."""
    kind = question.kind_enum
    if kind.is_text:
        text = clean_text(value if isinstance(value, str) else None)
        limit = LONG_TEXT_MAX if kind == QuestionKind.LONG_TEXT else SHORT_ANSWER_MAX
        if len(text) > limit:
            raise InvalidAnswer(f"Answers must be {limit:,} characters or fewer")
        return text or None, None
    keys = [value] if isinstance(value, str) else list(value or [])
    keys = [k for k in keys if k]
    valid = {o["key"] for o in question.options or []}
    if any(k not in valid for k in keys):
        raise InvalidAnswer("Choose one of the options given")
    if kind != QuestionKind.MULTIPLE_CHOICE and len(keys) > 1:
        raise InvalidAnswer("Choose one option only")
    return None, (list(dict.fromkeys(keys)) or None)


@dataclass(frozen=True)
class _Value:
    """One answer ready to store (None everywhere: the answer was cleared)."""

    text: str | None = None
    original: str | None = None
    choices: list[str] | None = None
    number: int | None = None

    @property
    def empty(self) -> bool:
        return self.text is None and self.choices is None


@dataclass(frozen=True)
class _Prepared:
    """A page checked and redacted before the write lock is taken, so the lock is short."""

    questionnaire_id: int
    page_number: int
    values: dict[int, _Value]
    required_by_page: list[tuple[int, frozenset[int]]]  # (page number, required question ids)
    # As read before the lock; the optimistic INSERT checks they still hold.
    anonymous: bool
    structure_key: str
    redact: bool
    original_retention_days: int


def _prepare(
    questionnaire: Questionnaire | OpenLink,
    page_number: int,
    values: Mapping[int, AnswerValue],
    about: AboutYou | None,
    check_group: bool = True,
) -> _Prepared:
    page_list = answer_pages(questionnaire)
    if not 1 <= page_number <= len(page_list):
        raise InvalidAnswer("That page does not exist")
    keep = questionnaire.original_retention_days > 0
    prepared: dict[int, _Value] = {}
    for question in page_list[page_number - 1].questions:
        text, choices = _check_value(question, values.get(question.id))
        if text is not None:
            shown, original = stored_text(text, redacting=questionnaire.redact, keep_original=keep)
            prepared[question.id] = _Value(text=shown, original=original)
        elif choices is not None:
            number = int(choices[0]) if question.kind_enum.is_scale else None
            prepared[question.id] = _Value(choices=choices, number=number)
        else:
            prepared[question.id] = _Value()
    if about is not None:
        _check_about(about, check_group)
    required = [
        (page.number, frozenset(q.id for q in page.questions if q.required)) for page in page_list
    ]
    return _Prepared(
        questionnaire.id,
        page_number,
        prepared,
        required,
        questionnaire.anonymous,
        questionnaire.structure_key,
        questionnaire.redact,
        questionnaire.original_retention_days,
    )


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _check_about(about: AboutYou, check_group: bool = True) -> None:
    """``check_group``: False when the INSERT checks the group itself (the fast path)."""
    if check_group and about.stakeholder_group_id is not None:
        group = db.session.get(StakeholderGroup, about.stakeholder_group_id)
        if group is None or not group.active:
            raise InvalidAnswer("Choose a group from the list")
    if about.region and about.region not in REGIONS:
        raise InvalidAnswer("Choose a region from the list")
    if len(about.organisation) > ORGANISATION_MAX:
        raise InvalidAnswer(f"Organisation must be {ORGANISATION_MAX} characters or fewer")


def save_first_page(
    link: OpenLink,
    values: Mapping[int, AnswerValue],
    *,
    key: str,
    about: AboutYou | None,
    consent: bool,
) -> SaveResult | None:
    """An open link's first page from this process's copy of its questionnaire, in one
    short write with nothing read first. None when anything is not as the copy says, or not
    plainly new and valid (a repeat, a closed questionnaire, a bad answer): ``save_page``
    then reads, explains or finds the earlier answer."""
    if not valid_key(key):
        return None
    try:
        prepared = _prepare(link, 1, values, about, check_group=False)
        begin_write()
        result = _insert_if_open(prepared, key, about, consent, utcnow(), code=link.code)
    except (IntegrityError, FeedbackError):
        db.session.rollback()
        return None
    if result is None:
        db.session.rollback()
        return None
    db.session.commit()
    return result


def _locked(exc: OperationalError) -> bool:
    return is_sqlite() and "locked" in str(exc.orig).lower()


WRITE_ATTEMPTS = 4


def save_page(
    questionnaire_id: int,
    page_number: int,
    values: Mapping[int, AnswerValue],
    *,
    key: str,
    invitation_id: int | None = None,
    about: AboutYou | None = None,
    consent: bool = False,
) -> SaveResult:
    """Save one page; with ``about`` (the last page) submit the response. One commit.

    Checking and redacting happen first, outside the write lock. A racing twin of this
    request (same key, or same personal link) loses the unique constraint, rolls back and is
    retried, finding the winner's response. On SQLite a writer that waited out the busy
    timeout under a burst is retried too, so a burst queues rather than fails.
    """
    if not valid_key(key):
        raise InvalidAnswer("The form was not complete. Go back, refresh the page and try again.")
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise QuestionnaireClosed("This questionnaire is gone.")
    prepared = _prepare(questionnaire, page_number, values, about)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            begin_write()
            # An open link's first page is nearly always a new response: insert straight
            # away and let the unique key catch a repeat (then retry with the lookup).
            optimistic = attempt == 1 and invitation_id is None and page_number == 1
            result = _store(prepared, key, invitation_id, about, consent, optimistic)
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == WRITE_ATTEMPTS:
                raise
        except OperationalError as exc:
            db.session.rollback()
            if attempt == WRITE_ATTEMPTS or not _locked(exc):
                raise
            time.sleep(0.05 * attempt)
        except FeedbackError:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _store(
    prepared: _Prepared,
    key: str,
    invitation_id: int | None,
    about: AboutYou | None,
    consent: bool,
    optimistic: bool = False,
) -> SaveResult:
    """The write itself, under the lock: a handful of plain statements."""
    now = utcnow()
    if optimistic:
        done = _insert_if_open(prepared, key, about, consent, now)
        if done is not None:
            return done
    row = db.session.execute(_SETTINGS, {"id": prepared.questionnaire_id}).one()
    if not open_at(row.status, row.opens_at, row.closes_at, now):
        questionnaire = db.session.get_one(Questionnaire, prepared.questionnaire_id)
        raise QuestionnaireClosed(closed_message(questionnaire, now))
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation_id and (
        invitation is None or invitation.questionnaire_id != prepared.questionnaire_id
    ):
        raise LinkProblem("This link is not valid any more.")
    anonymous = row.anonymous
    linked = invitation is not None and not anonymous
    found = db.session.execute(
        select(Response.id, Response.status).where(
            Response.invitation_id == invitation.id
            if linked
            else (Response.questionnaire_id == prepared.questionnaire_id)
            & (Response.submission_key == key)
        )
    ).first()
    if found is not None and found.status == ResponseStatus.SUBMITTED.value and not linked:
        return SaveResult(found.id, complete=True, duplicate=True)  # linked to nobody: final
    if found is None:
        if invitation is not None and anonymous and invitation.responded_at is not None:
            raise AlreadyAnswered("You have already answered this questionnaire. Thank you.")
        return _insert(prepared, key, row, invitation, linked, about, consent, now)
    return _update(prepared, found.id, anonymous, invitation, about, consent, now)


# Built once: the hot path of a burst of submissions only binds values.
_SETTINGS = select(
    Questionnaire.status,
    Questionnaire.opens_at,
    Questionnaire.closes_at,
    Questionnaire.anonymous,
    Questionnaire.event_id,
).where(Questionnaire.id == bindparam("id"))
# On the tables, not the mapped classes: an ORM-enabled INSERT goes through the bulk
# persistence layer, which cost ~0.5 ms of CPU per submission for nothing we use here.
_INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
_INSERT_ANSWER = insert(Answer.__table__)


def _missing(prepared: _Prepared, answered: set[int]) -> int | None:
    for number, required in prepared.required_by_page:
        if required - answered:
            return number
    return None


def _submission(anonymous: bool, about: AboutYou) -> dict[str, object]:
    """The columns a completed response gets (identity only when not anonymous)."""
    values: dict[str, object] = {
        "stakeholder_group_id": about.stakeholder_group_id,
        "may_quote": about.may_quote,
    }
    if not anonymous:
        values["organisation"] = clean_text(about.organisation)
        values["region"] = about.region
        values["contact_consent"] = about.contact_consent
    return values


def _insert(
    prepared: _Prepared,
    key: str,
    questionnaire: Any,  # the row of settings read under the lock
    invitation: Invitation | None,
    linked: bool,
    about: AboutYou | None,
    consent: bool,
    now: datetime,
) -> SaveResult:
    """A first page: one INSERT for the response, one for its answers (no unit of work)."""
    values, missing = _new_response(
        prepared, key, questionnaire.anonymous, invitation if linked else None, about, consent, now
    )
    values["event_id"] = questionnaire.event_id
    # A racing twin (same key or same personal link) fails here, on the unique constraint.
    response_id = db.session.execute(_INSERT_RESPONSE, values).scalar_one()
    return _with_answers(prepared, response_id, values, invitation, missing)


def _new_response(
    prepared: _Prepared,
    key: str,
    anonymous: bool,
    invitation: Invitation | None,
    about: AboutYou | None,
    consent: bool,
    now: datetime,
) -> tuple[dict[str, object], int | None]:
    """A new response's columns (but its event) and the first page still missing answers.

    Every column is given, so the optimistic INSERT ... SELECT is one statement, built once.
    """
    answered = {q for q, value in prepared.values.items() if not value.empty}
    missing = _missing(prepared, answered) if about is not None else None
    complete = about is not None and missing is None
    if complete and not consent:
        raise InvalidAnswer("Confirm you agree to how your answers will be used")
    when = _day(now) if anonymous else now
    values: dict[str, object] = {
        "stakeholder_group_id": None,
        "organisation": "",
        "region": "",
        "may_quote": False,
        "contact_consent": False,
        "consent_at": None,
        "answered_at": None,
        "questionnaire_id": prepared.questionnaire_id,
        "submission_key": key,
        "source": ResponseSource.ONLINE.value,
        "anonymous": anonymous,
        "invitation_id": invitation.id if invitation else None,
        "registration_id": invitation.registration_id if invitation else None,
        "last_page": prepared.page_number,
        "status": ResponseStatus.IN_PROGRESS.value,
        "created_at": now,
        "updated_at": now,
    }
    if complete:
        assert about is not None
        values.update(_submission(anonymous, about))
        values.update(status=ResponseStatus.SUBMITTED.value, consent_at=when, answered_at=when)
    return values, missing


# An open link's first page, when the questionnaire takes answers now (the rules of open_at)
# under the settings the page was checked and redacted for, and the group chosen is still
# offered: the response is written from the questionnaire's row in one statement, with
# nothing read under the lock first.
_RESPONSES = Response.__table__
_QUESTIONNAIRES = Questionnaire.__table__
_GROUPS = StakeholderGroup.__table__
_NEW_RESPONSE_COLUMNS = (
    "stakeholder_group_id",
    "organisation",
    "region",
    "may_quote",
    "contact_consent",
    "consent_at",
    "answered_at",
    "questionnaire_id",
    "submission_key",
    "source",
    "anonymous",
    "invitation_id",
    "registration_id",
    "last_page",
    "status",
    "created_at",
    "updated_at",
)
_NOW = bindparam("now", type_=UTCDateTime())
_INSERT_IF_OPEN = (
    insert(_RESPONSES)
    .from_select(
        (*_NEW_RESPONSE_COLUMNS, "event_id"),
        select(
            *(bindparam(name, type_=_RESPONSES.c[name].type) for name in _NEW_RESPONSE_COLUMNS),
            _QUESTIONNAIRES.c.event_id,
        ).where(
            _QUESTIONNAIRES.c.id == bindparam("open_id"),
            _QUESTIONNAIRES.c.status == QuestionnaireStatus.PUBLISHED.value,
            or_(_QUESTIONNAIRES.c.opens_at.is_(None), _QUESTIONNAIRES.c.opens_at <= _NOW),
            or_(_QUESTIONNAIRES.c.closes_at.is_(None), _QUESTIONNAIRES.c.closes_at > _NOW),
            _QUESTIONNAIRES.c.anonymous == bindparam("was_anonymous"),
            _QUESTIONNAIRES.c.structure_key == bindparam("structure_key_was"),
            _QUESTIONNAIRES.c.redact == bindparam("redact_was"),
            _QUESTIONNAIRES.c.original_retention_days == bindparam("originals_kept_was"),
            # From a remembered open link: the link must still be on, under the same code.
            or_(
                bindparam("code", type_=String()).is_(None),
                and_(
                    _QUESTIONNAIRES.c.public_code == bindparam("code", type_=String()),
                    _QUESTIONNAIRES.c.open_link.is_(True),
                ),
            ),
            or_(
                bindparam("stakeholder_group_id", type_=Integer()).is_(None),
                exists().where(
                    _GROUPS.c.id == bindparam("stakeholder_group_id", type_=Integer()),
                    _GROUPS.c.active.is_(True),
                ),
            ),
        ),
    )
    .returning(_RESPONSES.c.id)
)


def _insert_if_open(
    prepared: _Prepared,
    key: str,
    about: AboutYou | None,
    consent: bool,
    now: datetime,
    code: str | None = None,
) -> SaveResult | None:
    """The optimistic first page of an open link; None when the questionnaire does not take
    answers now, or no longer has the settings the page was prepared under (with ``code``:
    the link switched off or renamed), or the group is no longer offered: the caller then
    reads and explains."""
    values, missing = _new_response(prepared, key, prepared.anonymous, None, about, consent, now)
    params = {
        **values,
        "now": now,
        "open_id": prepared.questionnaire_id,
        "was_anonymous": prepared.anonymous,
        "structure_key_was": prepared.structure_key,
        "redact_was": prepared.redact,
        "originals_kept_was": prepared.original_retention_days,
        "code": code,
    }
    response_id = db.session.execute(_INSERT_IF_OPEN, params).scalar_one_or_none()
    if response_id is None:
        return None
    return _with_answers(prepared, response_id, values, None, missing)


def _with_answers(
    prepared: _Prepared,
    response_id: int,
    values: dict[str, object],
    invitation: Invitation | None,
    missing: int | None,
) -> SaveResult:
    """Insert a new response's answers (one statement) and say how it stands."""
    complete = values["status"] == ResponseStatus.SUBMITTED.value
    rows = [
        {"response_id": response_id, "question_id": question_id, "text": value.text,
         "text_original": value.original, "choices": value.choices, "number": value.number}
        for question_id, value in prepared.values.items()
        if not value.empty
    ]  # fmt: skip
    if rows:
        db.session.execute(_INSERT_ANSWER, rows)
    if complete and invitation is not None and invitation.responded_at is None:
        invitation.responded_at = values["answered_at"]
    return SaveResult(response_id, complete=complete, duplicate=False, missing_page=missing)


def _update(
    prepared: _Prepared,
    response_id: int,
    anonymous: bool,
    invitation: Invitation | None,
    about: AboutYou | None,
    consent: bool,
    now: datetime,
) -> SaveResult:
    """A later page, or a change through a personal link: the response's own answers."""
    response = db.session.get_one(Response, response_id)
    existing = answers_by_question(response)
    for question_id, value in prepared.values.items():
        answer = existing.get(question_id)
        if value.empty:
            if answer is not None:
                db.session.delete(answer)  # the respondent cleared their own answer
            continue
        if answer is None:
            answer = Answer(response_id=response.id, question_id=question_id)
            db.session.add(answer)
        answer.text, answer.text_original = value.text, value.original
        answer.choices, answer.number = value.choices, value.number
    response.last_page = max(response.last_page, prepared.page_number)
    if about is None:
        return SaveResult(response.id, complete=False, duplicate=False)
    answered = {q for q in existing if q not in prepared.values}
    answered |= {q for q, value in prepared.values.items() if not value.empty}
    missing = _missing(prepared, answered)
    if missing is not None:
        return SaveResult(response.id, complete=False, duplicate=False, missing_page=missing)
    if not consent and response.consent_at is None:
        raise InvalidAnswer("Confirm you agree to how your answers will be used")
    for name, value in _submission(anonymous, about).items():
        setattr(response, name, value)
    when = _day(now) if anonymous else now
    response.consent_at = response.consent_at or when
    if response.status != ResponseStatus.SUBMITTED.value:
        response.status = ResponseStatus.SUBMITTED.value
        response.answered_at = when
    if invitation is not None and invitation.responded_at is None:
        invitation.responded_at = when
    return SaveResult(response.id, complete=True, duplicate=False)
