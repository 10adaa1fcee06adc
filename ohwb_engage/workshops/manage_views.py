"""Staff pages for events: facilitators manage their events; every role reads the reports.

Access: ``MANAGERS`` (admins and facilitators) reach the management pages, and each page
then checks ``services.can_manage`` for the event (admins: every event; facilitators: the
events they facilitate), answering 403 otherwise. Pages with registrants' personal data
(the list, the CSV, a registrant, attendance, messages) are management pages. Analysts see
the events list, each event's overview and report, and the reach page: numbers, no names.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for

from ohwb_engage.accounts.access import acting_user, roles_required, staff_required
from ohwb_engage.accounts.models import Role
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.reference.services import (
    region_choices,
    stakeholder_group_choices,
    stakeholder_groups,
)
from ohwb_engage.workshops import charts, reports, services
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.forms import (
    AgendaItemForm,
    AttendanceForm,
    AttendanceListForm,
    CancelEventForm,
    ConfirmForm,
    EventForm,
    InviteCodeForm,
    MemberForm,
    MessageForm,
    SeriesForm,
    SpeakerForm,
    StaffRegistrantForm,
)
from ohwb_engage.workshops.models import (
    AgendaItem,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Registration,
    RegistrationStatus,
    Speaker,
)
from ohwb_engage.workshops.services import Child
from ohwb_engage.workshops.times import (
    TimeProblem,
    local_datetime_to_utc,
    london_to_utc,
    utc_to_london,
)
from ohwb_engage.workshops.views import KIND_OPTIONS, bp, registrant_from

MANAGERS = (Role.ADMIN, Role.FACILITATOR)
managers_required = roles_required(*MANAGERS)
PER_PAGE = 50


def _managed_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not services.can_manage(acting_user(), event):
        abort(403)
    return event


# The events list, the overview and the report: every staff role ----------------------------


@bp.get("/manage/")
@staff_required
def staff_events() -> str:
    user = acting_user()
    status = request.args.get("status")
    status = status if status in {s.value for s in EventStatus} else None
    kind = request.args.get("kind")
    kind = kind if kind in {k.value for k in EventKind} else None
    when = request.args.get("when") if request.args.get("when") in {"upcoming", "past"} else None
    mine = request.args.get("mine") == "1"
    stmt = services.events_query(status, kind, when, user.id if mine else None)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        "workshops/staff/events.html",
        page=page,
        places=reg.places_given_to(list(page.items)),
        status=status,
        kind=kind,
        when=when,
        mine=mine,
        kinds=KIND_OPTIONS,
        statuses=[(s.value, s.value.capitalize()) for s in EventStatus],
        can_create=user.role in MANAGERS,
    )


@bp.get("/manage/<int:event_id>")
@staff_required
def overview(event_id: int) -> str:
    event = db.get_or_404(Event, event_id)
    user = acting_user()
    return render_template(
        "workshops/staff/overview.html",
        event=event,
        report=reports.event_report(event),
        can_manage=services.can_manage(user, event),
        problems=services.publishing_problems(event) if event.status == EventStatus.DRAFT else [],
        confirm=ConfirmForm(),
        messages=services.sent_messages(event.id),
        now=utcnow(),
    )


@bp.get("/manage/<int:event_id>/preview")
@staff_required
def preview(event_id: int) -> str:
    """The public page as participants will see it, drafts included (the public gets 404)."""
    event = db.get_or_404(Event, event_id)
    return render_template(
        "workshops/detail.html",
        event=event,
        problem=reg.registration_problem(event),
        closes_at=reg.closes_at(event),
        preview=True,
        can_manage=services.can_manage(acting_user(), event),
    )


@bp.get("/manage/<int:event_id>/report")
@staff_required
def report(event_id: int) -> str:
    event = db.get_or_404(Event, event_id)
    data = reports.event_report(event)
    return render_template(
        "workshops/staff/report.html",
        event=event,
        report=data,
        group_chart=charts.horizontal_bars(data.by_group.chart_rows),
        region_chart=charts.horizontal_bars(data.by_region.chart_rows),
        organisation_chart=charts.horizontal_bars(data.by_organisation.chart_rows),
        can_manage=services.can_manage(acting_user(), event),
    )


def _parse_date(value: str | None) -> tuple[object, str | None]:
    if not value:
        return None, None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date(), None
    except ValueError:
        return None, "Enter dates like 2026-03-27"


@bp.get("/manage/reach")
@staff_required
def reach() -> str:
    """Programme-wide reach: unique people (by e-mail), by group, region and month."""
    basis = "attended" if request.args.get("basis") == "attended" else "places"
    kind = request.args.get("kind")
    kind = kind if kind in {k.value for k in EventKind} else None
    starts_from, error_from = _parse_date(request.args.get("from"))
    starts_to, error_to = _parse_date(request.args.get("to"))
    data = reports.reach(
        reports.ReachFilter(basis=basis, starts_from=starts_from, starts_to=starts_to, kind=kind)
    )
    return render_template(
        "workshops/staff/reach.html",
        reach=data,
        basis=basis,
        kind=kind,
        kinds=KIND_OPTIONS,
        date_error=error_from or error_to,
        starts_from=request.args.get("from", "") if not error_from else "",
        starts_to=request.args.get("to", "") if not error_to else "",
        group_chart=charts.horizontal_bars(data.by_group),
        region_chart=charts.horizontal_bars(data.by_region),
        kind_chart=charts.horizontal_bars(data.by_kind),
        month_chart=charts.columns_with_total(
            [(reports.month_label(m), new) for m, new, _ in data.by_month]
        ),
        month_rows=[(reports.month_label(m), new, total) for m, new, total in data.by_month],
    )


# Creating and editing ------------------------------------------------------------------


def _event_form(event: Event | None = None) -> EventForm:
    form = EventForm(obj=event) if event is not None else EventForm()
    form.set_choices(
        [(s.id, s.title) for s in services.all_series()], services.facilitator_choices()
    )
    if request.method == "GET" and event is not None:
        start, end = utc_to_london(event.starts_at), utc_to_london(event.ends_at)
        form.day.data, form.start_time.data, form.end_time.data = (
            start.date(),
            start.time(),
            end.time(),
        )
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            getattr(form, name).data = utc_to_london(value).replace(tzinfo=None) if value else None
        form.facilitators.data = [u.id for u in event.facilitators]
        form.series_id.data = event.series_id
    elif request.method == "GET":
        form.facilitators.data = [acting_user().id]
    taken = reg.places_given(event) if event is not None else 0
    if taken:
        form.capacity.description = (
            f"Leave empty for no limit. {taken} people have a place, so it cannot go below "
            f"{taken}: nobody is moved off the event. Raising it gives the new places to the "
            "waiting list, in order, and e-mails them."
        )
    return form


def _details_from(form: EventForm) -> services.EventDetails | None:
    """Convert the form to UTC details; put time problems on the right field."""
    try:
        starts_at = london_to_utc(form.day.data, form.start_time.data)
    except TimeProblem as exc:
        form.start_time.errors.append(str(exc))
        return None
    try:
        ends_at = london_to_utc(form.day.data, form.end_time.data)
    except TimeProblem as exc:
        form.end_time.errors.append(str(exc))
        return None
    window: dict[str, datetime | None] = {}
    for name in ("registration_opens_at", "registration_closes_at"):
        value = getattr(form, name).data
        try:
            window[name] = local_datetime_to_utc(value) if value else None
        except TimeProblem as exc:
            getattr(form, name).errors.append(str(exc))
            return None
    return services.EventDetails(
        title=form.title.data,
        kind=form.kind.data,
        summary=form.summary.data or "",
        starts_at=starts_at,
        ends_at=ends_at,
        join_url=form.join_url.data or None,
        venue=form.venue.data or None,
        capacity=form.capacity.data,
        waitlist_enabled=bool(form.waitlist_enabled.data),
        registration_opens_at=window["registration_opens_at"],
        registration_closes_at=window["registration_closes_at"],
        audience=form.audience.data,
        series_id=form.series_id.data,
    )


def _field_for(message: str, form: EventForm) -> object:
    lowered = message.lower()
    if "capacity" in lowered or "place" in lowered:
        return form.capacity
    if "registration must close" in lowered or "close after" in lowered:
        return form.registration_closes_at
    if "end after" in lowered:
        return form.end_time
    if "series" in lowered:
        return form.series_id
    if "facilitator" in lowered:
        return form.facilitators
    return form.title


@bp.route("/manage/new", methods=["GET", "POST"])
@managers_required
def create() -> str | Response:
    form = _event_form()
    if form.validate_on_submit():
        details = _details_from(form)
        if details is not None:
            try:
                event = services.create_event(
                    details, form.facilitators.data or [], actor=acting_user()
                )
            except services.EventError as exc:
                _field_for(str(exc), form).errors.append(str(exc))  # type: ignore[attr-defined]
            else:
                flash(
                    "Event saved as a draft. Add the agenda and speakers, then publish it.",
                    "success",
                )
                return redirect(url_for("workshops.overview", event_id=event.id))
    return render_template("workshops/staff/event_form.html", form=form, event=None)


@bp.route("/manage/<int:event_id>/edit", methods=["GET", "POST"])
@managers_required
def edit(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    if event.status == EventStatus.CANCELLED:
        flash("This event has been cancelled, so it can no longer be changed.", "error")
        return redirect(url_for("workshops.overview", event_id=event.id))
    form = _event_form(event)
    if form.validate_on_submit():
        details = _details_from(form)
        if details is not None:
            try:
                result = services.update_event(
                    event.id,
                    details,
                    form.facilitators.data or [],
                    actor=acting_user(),
                    notify=bool(form.notify.data),
                )
            except services.NotAllowed:
                abort(403)
            except services.EventError as exc:
                _field_for(str(exc), form).errors.append(str(exc))  # type: ignore[attr-defined]
            else:
                message = "Event saved."
                if result.promoted:
                    message += (
                        f" {len(result.promoted)} people moved from the waiting list "
                        "into the new places and were e-mailed."
                    )
                if result.notified:
                    message += f" {result.notified} registrants were e-mailed about the change."
                flash(message, "success")
                if services.can_manage(acting_user(), result.event):
                    return redirect(url_for("workshops.overview", event_id=event.id))
                return redirect(url_for("workshops.staff_events"))
    return render_template("workshops/staff/event_form.html", form=form, event=event)


@bp.post("/manage/<int:event_id>/<any(publish, unpublish, duplicate):action>")
@managers_required
def event_action(event_id: int, action: str) -> Response:
    event = db.get_or_404(Event, event_id)
    user = acting_user()
    if action != "duplicate" and not services.can_manage(user, event):
        abort(403)
    try:
        if action == "publish":
            services.publish_event(event.id, actor=user)
            flash("Event published: it is on the public events list.", "success")
        elif action == "unpublish":
            services.unpublish_event(event.id, actor=user)
            flash("Event moved back to draft.", "success")
        else:
            copy = services.duplicate_event(event.id, actor=user)
            flash("This is a draft copy. Change its date and details, then publish it.", "success")
            return redirect(url_for("workshops.edit", event_id=copy.id))
    except services.EventError as exc:
        flash(str(exc), "error")
    return redirect(url_for("workshops.overview", event_id=event.id))


@bp.route("/manage/<int:event_id>/cancel", methods=["GET", "POST"])
@managers_required
def cancel_event(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        try:
            notified = services.cancel_event(event.id, form.reason.data or "", actor=acting_user())
        except services.EventError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Event cancelled. {notified} registrants have been e-mailed.", "success")
        return redirect(url_for("workshops.overview", event_id=event.id))
    active = sum(1 for r in event.registrations if r.status != RegistrationStatus.CANCELLED)
    return render_template(
        "workshops/staff/cancel_event.html", form=form, event=event, active=active
    )


# Agenda, speakers, invitation codes ------------------------------------------------------


def _child_or_404(model: type[Child], child_id: int | None, event: Event) -> Child | None:
    """An agenda item or speaker of this event (None when adding a new one)."""
    if child_id is None:
        return None
    child = db.get_or_404(model, child_id)
    if child.event_id != event.id:
        abort(404)
    return child


@bp.route("/manage/<int:event_id>/agenda", methods=["GET", "POST"])
@bp.route("/manage/<int:event_id>/agenda/<int:item_id>", methods=["GET", "POST"])
@managers_required
def agenda(event_id: int, item_id: int | None = None) -> str | Response:
    event = _managed_event(event_id)
    item = _child_or_404(AgendaItem, item_id, event)
    form = AgendaItemForm(obj=item)
    if request.method == "GET" and item is not None and item.starts_at is not None:
        form.at.data = utc_to_london(item.starts_at).time()
    if form.validate_on_submit():
        at = None
        if form.at.data is not None:
            try:
                at = london_to_utc(utc_to_london(event.starts_at).date(), form.at.data)
            except TimeProblem as exc:
                form.at.errors.append(str(exc))
        if not form.at.errors:
            try:
                services.save_agenda_item(
                    event.id,
                    item_id,
                    form.title.data,
                    form.details.data or "",
                    at,
                    actor=acting_user(),
                )
            except services.EventError as exc:
                form.at.errors.append(str(exc))
            else:
                flash("Agenda saved.", "success")
                return redirect(url_for("workshops.agenda", event_id=event.id))
    return render_template(
        "workshops/staff/agenda.html", form=form, event=event, item=item, confirm=ConfirmForm()
    )


@bp.route("/manage/<int:event_id>/speakers", methods=["GET", "POST"])
@bp.route("/manage/<int:event_id>/speakers/<int:speaker_id>", methods=["GET", "POST"])
@managers_required
def speakers(event_id: int, speaker_id: int | None = None) -> str | Response:
    event = _managed_event(event_id)
    speaker = _child_or_404(Speaker, speaker_id, event)
    form = SpeakerForm(obj=speaker)
    if form.validate_on_submit():
        services.save_speaker(
            event.id,
            speaker_id,
            {
                "name": form.name.data,
                "role": form.role.data,
                "organisation": form.organisation.data,
                "talk_title": form.talk_title.data,
                "slides_url": form.slides_url.data,
            },
            actor=acting_user(),
        )
        flash("Speaker saved.", "success")
        return redirect(url_for("workshops.speakers", event_id=event.id))
    return render_template(
        "workshops/staff/speakers.html",
        form=form,
        event=event,
        speaker=speaker,
        confirm=ConfirmForm(),
    )


CHILDREN = {"agenda": AgendaItem, "speakers": Speaker}


@bp.post(
    "/manage/<int:event_id>/<any(agenda, speakers):part>/<int:child_id>"
    "/<any(up, down, delete):action>"
)
@managers_required
def child_action(event_id: int, part: str, child_id: int, action: str) -> Response:
    event = _managed_event(event_id)
    model = CHILDREN[part]
    try:
        if action == "delete":
            services.delete_child(model, event.id, child_id, actor=acting_user())
            flash("Removed.", "success")
        else:
            services.move_child(
                model, event.id, child_id, -1 if action == "up" else 1, actor=acting_user()
            )
    except services.NotFound:
        abort(404)
    return redirect(url_for(f"workshops.{part}", event_id=event.id))


@bp.route("/manage/<int:event_id>/invite-codes", methods=["GET", "POST"])
@managers_required
def invite_codes(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    form = InviteCodeForm()
    if form.validate_on_submit():
        try:
            invite = services.add_invite_code(
                event.id,
                form.code.data,
                form.label.data or "",
                form.max_uses.data,
                actor=acting_user(),
            )
        except services.EventError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(f"Code {invite.code} added.", "success")
            return redirect(url_for("workshops.invite_codes", event_id=event.id))
    return render_template(
        "workshops/staff/invite_codes.html", form=form, event=event, confirm=ConfirmForm()
    )


@bp.post("/manage/<int:event_id>/invite-codes/<int:code_id>/<any(disable, enable):action>")
@managers_required
def invite_code_action(event_id: int, code_id: int, action: str) -> Response:
    event = _managed_event(event_id)
    try:
        services.set_invite_code_active(event.id, code_id, action == "enable", actor=acting_user())
    except services.NotFound:
        abort(404)
    flash(f"Code {action}d.", "success")
    return redirect(url_for("workshops.invite_codes", event_id=event.id))


# Registrants: personal data, managers of the event only ----------------------------------


def _registrant_filter() -> reports.RegistrantFilter:
    args = request.args
    status = args.get("status")
    group = args.get("group", "")
    region = args.get("region")
    attended = args.get("attended")
    search = (args.get("q") or "").strip()[:100]
    return reports.RegistrantFilter(
        status=status if status in {s.value for s in RegistrationStatus} else None,
        group_id=int(group) if group.isdigit() else None,
        region=region if region in dict(region_choices()) else None,
        attended=attended if attended in {"yes", "no"} else None,
        search=search or None,
    )


@bp.get("/manage/<int:event_id>/registrants")
@managers_required
def registrants(event_id: int) -> str:
    event = _managed_event(event_id)
    filters = _registrant_filter()
    page = db.paginate(
        reports.registrants_query(event.id, filters), per_page=PER_PAGE, error_out=False
    )
    positions = {}
    if filters.status in (None, RegistrationStatus.WAITLISTED.value):
        positions = reports.waitlist_positions(event.id)
    return render_template(
        "workshops/staff/registrants.html",
        event=event,
        page=page,
        filters=filters,
        groups=[(g.id, g.name) for g in stakeholder_groups(include_retired=True)],
        regions=region_choices(),
        positions=positions,
    )


@bp.route("/manage/<int:event_id>/registrants/new", methods=["GET", "POST"])
@managers_required
def add_registrant(event_id: int) -> str | Response:
    """Staff add someone by hand; the seats and the waiting list apply as to anyone."""
    event = _managed_event(event_id)
    form = StaffRegistrantForm()
    form.set_choices(stakeholder_group_choices(), region_choices())
    problem = None
    if form.validate_on_submit():
        person = registrant_from(form, form.email.data)
        try:
            if person.stakeholder_group_id is None:
                raise reg.InvalidDetails(reg.GROUP_MESSAGE)
            result = reg.register(event.id, person, added_by=acting_user())
        except reg.InvalidDetails as exc:
            form.stakeholder_group.errors.append(str(exc))
        except reg.RegistrationError as exc:
            problem = str(exc)
        else:
            found = result.registration
            flash(_added_message(found.name, result), "success")
            return redirect(
                url_for("workshops.registrant", event_id=event.id, registration_id=found.id)
            )
    return render_template(
        "workshops/staff/registrant_new.html", event=event, form=form, problem=problem
    )


def _added_message(name: str, result: reg.RegistrationResult) -> str:
    if result.outcome == reg.Outcome.ALREADY_REGISTERED:
        return f"{name} was already registered for this event: nothing has changed."
    if result.outcome == reg.Outcome.WAITLISTED:
        return f"The event is full: {name} is number {result.position} on the waiting list."
    return f"{name} has a place and has been e-mailed their confirmation."


@bp.get("/manage/<int:event_id>/registrants.csv")
@managers_required
def registrants_csv(event_id: int) -> Response:
    event = _managed_event(event_id)
    filters = _registrant_filter()
    text = services.export_registrants(event.id, filters, actor=acting_user())
    response = make_response("\ufeff" + text)  # the BOM makes Excel read UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="event-{event.id}-registrants.csv"'
    )
    return response


@bp.route("/manage/<int:event_id>/registrants/<int:registration_id>", methods=["GET", "POST"])
@managers_required
def registrant(event_id: int, registration_id: int) -> str | Response:
    event = _managed_event(event_id)
    found = db.get_or_404(Registration, registration_id)
    if found.event_id != event.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = reg.cancel(found.id, actor=acting_user())
        except reg.RegistrationError as exc:
            flash(str(exc), "error")
        else:
            message = f"{found.name}'s registration has been cancelled and they were e-mailed."
            if result.promoted:
                message += f" {result.promoted[0].name} moved up from the waiting list."
            flash(message, "success")
        return redirect(
            url_for("workshops.registrant", event_id=event.id, registration_id=found.id)
        )
    return render_template(
        "workshops/staff/registrant.html",
        event=event,
        registration=found,
        form=form,
        position=reg.waitlist_position(found),
    )


@bp.route("/manage/<int:event_id>/attendance", methods=["GET", "POST"])
@managers_required
def attendance(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    confirmed = services.confirmed_registrants(event.id)
    form = AttendanceForm()
    form.registrations.choices = [(r.id, r.name) for r in confirmed]
    list_form = AttendanceListForm(prefix="list")
    if form.validate_on_submit():
        try:
            everyone = bool(form.everyone.data)
            changed = services.mark_attendance(
                event.id,
                [r.id for r in confirmed] if everyone else form.registrations.data,
                everyone or form.action.data == "attended",
                actor=acting_user(),
            )
        except services.EventError as exc:
            form.registrations.errors.append(str(exc))
        else:
            flash(f"Attendance saved: {changed} changed.", "success")
            return redirect(url_for("workshops.attendance", event_id=event.id))
    return render_template(
        "workshops/staff/attendance.html",
        event=event,
        confirmed=confirmed,
        form=form,
        list_form=list_form,
        extra_forms=[list_form],
        checkin_open=reg.checkin_open(event),
        confirm=ConfirmForm(),
        started=utcnow() >= event.starts_at - reg.CHECKIN_OPENS_BEFORE,
    )


@bp.post("/manage/<int:event_id>/attendance/list")
@managers_required
def attendance_list(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    list_form = AttendanceListForm(prefix="list")
    if list_form.validate_on_submit():
        try:
            result = services.mark_attendance_from_list(
                event.id, list_form.addresses.data, actor=acting_user()
            )
        except services.EventError as exc:
            flash(str(exc), "error")
        else:
            message = f"{result.marked} marked as attended."
            if result.already:
                message += f" {result.already} were already marked."
            if result.not_registered:
                message += (
                    f" {result.not_registered} addresses had no confirmed place, so were "
                    "not marked."
                )
            flash(message, "success")
    else:
        flash(list_form.addresses.errors[0], "error")
    return redirect(url_for("workshops.attendance", event_id=event.id))


@bp.route("/manage/<int:event_id>/check-in-code", methods=["GET", "POST"])
@managers_required
def checkin_code(event_id: int) -> str | Response:
    """POST makes a new code; GET shows it large, to put on screen during the session."""
    event = _managed_event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.new_checkin_code(event.id, actor=acting_user())
        return redirect(url_for("workshops.checkin_code", event_id=event.id))
    return render_template(
        "workshops/staff/checkin_code.html",
        event=event,
        form=form,
        checkin_open=reg.checkin_open(event),
        window=reg.checkin_window(event),
    )


@bp.route("/manage/<int:event_id>/message", methods=["GET", "POST"])
@managers_required
def message(event_id: int) -> str | Response:
    event = _managed_event(event_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            sent = services.send_message(
                event.id,
                form.audiences.data,
                form.subject.data,
                form.body.data,
                actor=acting_user(),
            )
        except services.EventError as exc:
            form.audiences.errors.append(str(exc))
        else:
            flash(f"Message sent to {sent.recipient_count} people.", "success")
            return redirect(url_for("workshops.overview", event_id=event.id))
    counts = {a: len(services.message_recipients(event.id, [a])) for a in services.AUDIENCES}
    return render_template("workshops/staff/message.html", form=form, event=event, counts=counts)


# Series and cohorts ----------------------------------------------------------------------


@bp.route("/manage/series/", methods=["GET", "POST"])
@managers_required
def series_list() -> str | Response:
    form = SeriesForm()
    if form.validate_on_submit():
        try:
            created = services.save_series(
                None,
                form.title.data,
                form.kind.data,
                form.summary.data or "",
                actor=acting_user(),
            )
        except services.EventError as exc:
            form.title.errors.append(str(exc))
        else:
            flash(f"“{created.title}” created.", "success")
            return redirect(url_for("workshops.series_edit", series_id=created.id))
    return render_template(
        "workshops/staff/series_list.html", form=form, series=services.all_series()
    )


@bp.route("/manage/series/<int:series_id>", methods=["GET", "POST"])
@managers_required
def series_edit(series_id: int) -> str | Response:
    found = db.get_or_404(EventSeries, series_id)
    form = SeriesForm(obj=found)
    member_form = _member_form()
    if form.validate_on_submit():
        try:
            services.save_series(
                found.id,
                form.title.data,
                form.kind.data,
                form.summary.data or "",
                actor=acting_user(),
            )
        except services.EventError as exc:
            form.title.errors.append(str(exc))
        else:
            flash("Saved.", "success")
            return redirect(url_for("workshops.series_edit", series_id=found.id))
    return _series_page(found, form, member_form)


def _member_form() -> MemberForm:
    form = MemberForm(prefix="member")
    form.region.choices = [("", "Not given"), *region_choices()]
    return form


def _series_page(series: EventSeries, form: SeriesForm, member_form: MemberForm) -> str:
    return render_template(
        "workshops/staff/series_edit.html",
        form=form,
        member_form=member_form,
        extra_forms=[member_form],
        series=series,
        confirm=ConfirmForm(),
    )


@bp.post("/manage/series/<int:series_id>/members")
@managers_required
def series_member_add(series_id: int) -> str | Response:
    found = db.get_or_404(EventSeries, series_id)
    member_form = _member_form()
    if member_form.validate_on_submit():
        try:
            services.add_series_member(
                found.id,
                member_form.organisation.data,
                member_form.region.data or "",
                member_form.role.data or "",
                actor=acting_user(),
            )
        except services.EventError as exc:
            member_form.organisation.errors.append(str(exc))
        else:
            flash("Member added.", "success")
            return redirect(url_for("workshops.series_edit", series_id=found.id))
    form = SeriesForm(obj=found, formdata=None)
    return _series_page(found, form, member_form)


@bp.post("/manage/series/<int:series_id>/members/<int:member_id>/delete")
@managers_required
def series_member_remove(series_id: int, member_id: int) -> Response:
    db.get_or_404(EventSeries, series_id)
    try:
        services.remove_series_member(series_id, member_id, actor=acting_user())
    except services.NotFound:
        abort(404)
    flash("Member removed.", "success")
    return redirect(url_for("workshops.series_edit", series_id=series_id))
