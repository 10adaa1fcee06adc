"""Public event pages: the upcoming list, an event, registration, and the signed manage link.

Participants have no accounts: the manage link in their e-mail is their key. Staff pages
live in ``manage_views`` on the same blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ohwb_engage.accounts.access import public
from ohwb_engage.database import utcnow
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db, limiter
from ohwb_engage.reference.services import region_choices, stakeholder_group_choices
from ohwb_engage.tokens import TokenError, TokenExpired
from ohwb_engage.workshops import calendar
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.forms import (
    CheckInForm,
    ConfirmForm,
    DetailsForm,
    PublicCheckInForm,
    RegistrationForm,
)
from ohwb_engage.workshops.links import manage_url, registration_from_token
from ohwb_engage.workshops.models import (
    Audience,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Registration,
    RegistrationStatus,
)

bp = Blueprint("workshops", __name__, url_prefix="/events")

PER_PAGE = 20
KIND_OPTIONS = [(k.value, k.label) for k in EventKind]


@bp.app_template_global()
def registrant_rows(registration: Registration) -> list[dict[str, Any]]:
    """The person's details as NHS.UK summary-list rows: their own page and the staff page."""
    rows = [
        ("E-mail address", registration.email),
        ("Organisation", registration.organisation),
        ("Job role", registration.job_role),
        ("Group", registration.stakeholder_group.name if registration.stakeholder_group else ""),
        ("Region", registration.region),
        ("Access needs", registration.access_needs or "None given"),
        ("Contact about future events", "Yes" if registration.consent_contact else "No"),
    ]
    return [{"key": {"text": k}, "value": {"text": v or "Not given"}} for k, v in rows]


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _public_event(event_id: int) -> Event:
    try:
        return reg.public_event(event_id)
    except reg.EventUnavailable:
        abort_with(404, "There is no such event, or it is not published yet.")
        raise  # unreachable: abort_with raises


@bp.get("/")
@public
def index() -> str:
    """Upcoming published events, soonest first, filterable by kind."""
    kind = request.args.get("kind")
    kind = kind if kind in {k.value for k in EventKind} else None
    stmt = reg.upcoming_query(kind)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("workshops/index.html", page=page, kind=kind, kinds=KIND_OPTIONS)


@bp.get("/<int:event_id>")
@public
def detail(event_id: int) -> str:
    event = _public_event(event_id)
    return render_template(
        "workshops/detail.html",
        event=event,
        problem=reg.registration_problem(event),
        closes_at=reg.closes_at(event),
    )


def _details_form_choices(form: DetailsForm) -> None:
    form.set_choices(stakeholder_group_choices(), region_choices())


def registrant_from(form: DetailsForm, email: str) -> reg.Registrant:
    """The person a details form describes (the registration form, or staff adding them)."""
    group = form.stakeholder_group.data
    return reg.Registrant(
        name=form.name.data,
        email=email,
        organisation=form.organisation.data or "",
        job_role=form.job_role.data or "",
        stakeholder_group_id=int(group) if group and group.isdigit() else None,
        region=form.region.data or "",
        access_needs=form.access_needs.data or "",
        consent_contact=bool(form.consent_contact.data),
    )


@bp.route("/<int:event_id>/register", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def register(event_id: int) -> str | Response:
    """The busiest POST in the service: on success it touches the database only inside the
    registration's own transaction (the event, the group and the seat are checked there)."""
    form = RegistrationForm()
    if request.method == "GET" and request.args.get("code"):
        form.invite_code.data = request.args["code"][:40]
    form.region.choices = [("", "Select your region"), *region_choices()]
    problem = None
    if form.validate_on_submit():
        group = form.stakeholder_group.data or ""
        try:
            if not group.isdigit():
                raise reg.InvalidDetails(reg.GROUP_MESSAGE)
            result = reg.register(
                event_id, registrant_from(form, form.email.data), form.invite_code.data
            )
        except reg.EventUnavailable:
            abort_with(404, "There is no such event, or it is not published yet.")
        except reg.InvalidDetails as exc:
            form.stakeholder_group.errors.append(str(exc))
        except reg.InviteCodeProblem as exc:
            form.invite_code.errors.append(str(exc))
        except reg.RegistrationError as exc:
            problem = str(exc)
        else:
            if result.outcome == reg.Outcome.ALREADY_REGISTERED:
                event = _public_event(event_id)
                return render_template("workshops/already_registered.html", event=event)
            return redirect(url_for("workshops.manage", token=result.token, new="1"))
    event = _public_event(event_id)
    _details_form_choices(form)
    return render_template(
        "workshops/register.html",
        form=form,
        event=event,
        problem=problem or reg.registration_problem(event),
        invite_only=event.audience == Audience.INVITE,
    )


def _registration_or_problem(token: str) -> Registration | tuple[str, int]:
    try:
        return registration_from_token(token)
    except TokenError as exc:
        status = 410 if isinstance(exc, TokenExpired) else 400
        return render_template("workshops/link_problem.html", message=str(exc)), status


@bp.get("/registration/<token>")
@public
def manage(token: str) -> str | tuple[str, int]:
    found = _registration_or_problem(token)
    if not isinstance(found, Registration):
        return found
    event = found.event
    return render_template(
        "workshops/manage.html",
        registration=found,
        event=event,
        token=token,
        new=request.args.get("new") == "1",
        position=reg.waitlist_position(found),
        checkin_open=reg.checkin_open(event) and found.status == RegistrationStatus.CONFIRMED,
        checkin_form=CheckInForm(),
        finished=utcnow() >= event.ends_at,
    )


@bp.route("/registration/<token>/details", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def update_details(token: str) -> str | Response | tuple[str, int]:
    found = _registration_or_problem(token)
    if not isinstance(found, Registration):
        return found
    form = DetailsForm(obj=found)
    if request.method == "GET":
        form.stakeholder_group.data = str(found.stakeholder_group_id or "")
    _details_form_choices(form)
    if form.validate_on_submit():
        try:
            reg.update_details(found.id, registrant_from(form, found.email))
        except reg.InvalidDetails as exc:
            form.stakeholder_group.errors.append(str(exc))
        except reg.RegistrationError as exc:
            flash(str(exc), "error")
        else:
            flash("Your details have been updated.", "success")
            return redirect(url_for("workshops.manage", token=token))
    return render_template(
        "workshops/update_details.html", form=form, registration=found, token=token
    )


@bp.route("/registration/<token>/cancel", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def cancel(token: str) -> str | Response | tuple[str, int]:
    found = _registration_or_problem(token)
    if not isinstance(found, Registration):
        return found
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = reg.cancel(found.id)
        except reg.RegistrationError as exc:
            flash(str(exc), "error")
        else:
            if result.changed:
                flash(
                    "Your registration has been cancelled. Thank you for letting us know.",
                    "success",
                )
            return redirect(url_for("workshops.manage", token=token))
    return render_template(
        "workshops/cancel.html", form=form, registration=found, event=found.event, token=token
    )


@bp.get("/registration/<token>/calendar.ics")
@public
def registration_calendar(token: str) -> Response | tuple[str, int]:
    found = _registration_or_problem(token)
    if not isinstance(found, Registration):
        return found
    data = calendar.event_ics(found.event, found.status, manage_url(found))
    response = make_response(data)
    response.headers["Content-Type"] = calendar.CONTENT_TYPE
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{calendar.filename(found.event)}"'
    )
    return response


@bp.post("/registration/<token>/check-in")
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def check_in_with_link(token: str) -> Response | tuple[str, int]:
    found = _registration_or_problem(token)
    if not isinstance(found, Registration):
        return found
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            reg.check_in_with_link(found.id, form.code.data)
        except reg.RegistrationError as exc:
            flash(str(exc), "error")
        else:
            flash("You are checked in. Enjoy the session.", "success")
    else:
        flash(form.code.errors[0] if form.code.errors else "Enter the check-in code", "error")
    return redirect(url_for("workshops.manage", token=token))


@bp.route("/<int:event_id>/check-in", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def check_in(event_id: int) -> str | tuple[str, int]:
    """Check in with the code on screen and the e-mail address you registered with."""
    event = _public_event(event_id)
    form = PublicCheckInForm()
    done = False
    if form.validate_on_submit():
        try:
            reg.check_in(event.id, form.email.data, form.code.data)
        except reg.NoPlace as exc:
            form.email.errors.append(str(exc))
        except reg.RegistrationError as exc:
            form.code.errors.append(str(exc))
        else:
            done = True
    return render_template(
        "workshops/check_in.html",
        form=form,
        event=event,
        done=done,
        open=reg.checkin_open(event),
    )


@bp.get("/series/<int:series_id>")
@public
def series(series_id: int) -> str:
    found = db.get_or_404(EventSeries, series_id)
    events = [e for e in found.events if e.status != EventStatus.DRAFT]
    return render_template("workshops/series.html", series=found, events=events, now=utcnow())


from ohwb_engage.workshops import manage_views  # noqa: E402, F401  (staff pages, same blueprint)
