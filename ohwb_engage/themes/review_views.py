"""The review workspace pages: frameworks, themes and their evidence, changes, history, exports.

Analysts and administrators only, except one page of counts per event that an event's own
facilitators may read (no answer text). Views route, check access, validate the form and
turn a service's ``ReviewError`` into a message; the rules are in ``review*.py``.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ohwb_engage.accounts.access import acting_user, roles_required
from ohwb_engage.accounts.models import Role
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db
from ohwb_engage.themes import exports, review, review_map, review_split
from ohwb_engage.themes.blueprint import bp
from ohwb_engage.themes.models import Framework, RunTheme, Theme, ThemeRun
from ohwb_engage.themes.qdc import codebook
from ohwb_engage.themes.review_forms import (
    ConfirmForm,
    MergeForm,
    ResponsesForm,
    SplitForm,
    ThemeForm,
)
from ohwb_engage.workshops.models import Event

analysts_required = roles_required(Role.ADMIN, Role.ANALYST)
DIMENSION_PATH = "<any(group, event, region, month):by>"


def _framework(framework_id: int) -> Framework:
    return db.get_or_404(Framework, framework_id)


def _theme(framework_id: int, theme_id: int) -> Theme:
    theme = review.theme_in(framework_id, theme_id)
    if theme is None:
        abort_with(404, "That theme is not in this framework: it may have been merged.")
    return theme  # type: ignore[return-value]


def _theme_choices(framework_id: int, exclude: int | None = None) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in _framework(framework_id).themes if t.id != exclude]


# --- reading ------------------------------------------------------------------------------


@bp.route("/frameworks")
@analysts_required
def frameworks() -> str:
    return render_template("themes/review/frameworks.html", frameworks=review.frameworks())


@bp.route("/frameworks/<int:framework_id>")
@analysts_required
def framework(framework_id: int) -> str:
    fw = _framework(framework_id)
    rows = review.theme_rows(fw.id)
    sizes = exports.chart([(row.name, row.size) for row in rows])
    return render_template(
        "themes/review/framework.html",
        framework=fw,
        rows=rows,
        sizes=sizes,
        total=review.relevant_answers(fw.id),
        latest_map=review_map.latest_map(fw.id),
    )


@bp.route("/frameworks/<int:framework_id>/themes/<int:theme_id>")
@analysts_required
def theme(framework_id: int, theme_id: int) -> str:
    fw = _framework(framework_id)
    found = _theme(framework_id, theme_id)
    page = review.responses_page(found, request.args.get("page", 1, type=int))
    form = ResponsesForm(from_theme=str(found.id))
    form.target.choices = _theme_choices(fw.id, exclude=found.id)
    return render_template(
        "themes/review/theme.html", framework=fw, theme=found, page=page, form=form
    )


@bp.route("/frameworks/<int:framework_id>/themes/<int:theme_id>/breakdown")
@analysts_required
def theme_breakdown(framework_id: int, theme_id: int) -> str:
    fw = _framework(framework_id)
    found = _theme(framework_id, theme_id)
    breakdowns = []
    for by, label in review.DIMENSIONS.items():
        rows = review.breakdown(found.id, by)
        breakdowns.append((by, label, rows, exports.chart(rows)))
    return render_template(
        "themes/review/breakdown.html", framework=fw, theme=found, breakdowns=breakdowns
    )


@bp.route(
    "/frameworks/<int:framework_id>/themes/<int:theme_id>/chart/"
    f"{DIMENSION_PATH}.<any(svg, png):fmt>"
)
@analysts_required
def chart_download(framework_id: int, theme_id: int, by: str, fmt: str) -> Response:
    found = _theme(framework_id, theme_id)
    title = f"{found.name}: responses by {review.DIMENSIONS[by].lower()}"
    rows = review.breakdown(found.id, by)
    filename = f"theme-{found.id}-{by}.{fmt}"
    if fmt == "svg":
        return _download(exports.chart_svg(rows, title), "image/svg+xml", filename)
    return _download(exports.chart_png(rows, title), "image/png", filename)


# --- changes ------------------------------------------------------------------------------


@bp.route("/frameworks/<int:framework_id>/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@analysts_required
def theme_edit(framework_id: int, theme_id: int) -> str | WerkzeugResponse:
    fw = _framework(framework_id)
    found = _theme(framework_id, theme_id)
    form = ThemeForm(obj=found)
    merge_form = MergeForm(prefix="merge")
    merge_form.others.choices = _theme_choices(fw.id, exclude=found.id)
    split_form = SplitForm(prefix="split")
    if request.method == "GET":
        form.lock_version.data = str(found.lock_version)
    elif form.validate_on_submit():
        try:
            review.update_theme(
                fw.id,
                found.id,
                name=form.name.data,
                description=form.description.data or "",
                lock_version=int(form.lock_version.data),
                actor=acting_user(),
            )
        except review.ReviewError as exc:
            form.name.errors = [str(exc)]
            db.session.rollback()
            current = _theme(framework_id, theme_id)
            form.lock_version.data = str(current.lock_version)
            return _edit_page(fw, current, form, merge_form, split_form, 409)
        flash("Theme saved.", "success")
        return redirect(url_for("themes.theme", framework_id=fw.id, theme_id=found.id))
    return _edit_page(fw, found, form, merge_form, split_form, 200)


def _edit_page(fw, found, form, merge_form, split_form, status: int) -> tuple[str, int]:
    return (
        render_template(
            "themes/review/theme_edit.html",
            framework=fw,
            theme=found,
            form=form,
            merge_form=merge_form,
            split_form=split_form,
            extra_forms=[merge_form, split_form],
            split_inline_max=review_split.inline_limit(),
            active_split=review_split.active_split(found.id),
        ),
        status,
    )


@bp.route(
    "/frameworks/<int:framework_id>/themes/<int:theme_id>/priority/<any(on, off):state>",
    methods=["POST"],
)
@analysts_required
def theme_priority(framework_id: int, theme_id: int, state: str) -> WerkzeugResponse:
    _framework(framework_id)
    found = _theme(framework_id, theme_id)
    if ConfirmForm().validate_on_submit():
        _apply(review.set_priority, framework_id, found.id, state == "on", actor=acting_user())
    else:
        flash("The page had expired, so nothing was changed: please try again.", "error")
    return redirect(url_for("themes.theme", framework_id=framework_id, theme_id=found.id))


@bp.route("/frameworks/<int:framework_id>/themes/<int:theme_id>/merge", methods=["POST"])
@analysts_required
def theme_merge(framework_id: int, theme_id: int) -> str | WerkzeugResponse:
    fw = _framework(framework_id)
    found = _theme(framework_id, theme_id)
    merge_form = MergeForm(prefix="merge")
    merge_form.others.choices = [*_theme_choices(fw.id, exclude=found.id), (found.id, found.name)]
    if merge_form.validate_on_submit():
        merged = _apply(
            review.merge_themes, fw.id, found.id, merge_form.others.data, actor=acting_user()
        )
        if merged is not None:
            flash(f"Merged into \u201c{found.name}\u201d.", "success")
            return redirect(url_for("themes.theme", framework_id=fw.id, theme_id=found.id))
        return redirect(url_for("themes.theme_edit", framework_id=fw.id, theme_id=found.id))
    form = ThemeForm(obj=found, lock_version=str(found.lock_version))
    return _edit_page(fw, found, form, merge_form, SplitForm(prefix="split"), 400)


@bp.route("/frameworks/<int:framework_id>/themes/<int:theme_id>/split", methods=["POST"])
@analysts_required
def theme_split(framework_id: int, theme_id: int) -> str | WerkzeugResponse:
    fw = _framework(framework_id)
    found = _theme(framework_id, theme_id)
    split_form = SplitForm(prefix="split")
    if split_form.validate_on_submit():
        parts = _apply(
            review_split.split_theme, fw.id, found.id, split_form.parts.data, actor=acting_user()
        )
        if isinstance(parts, ThemeRun):  # too big for the page: a job splits it
            return redirect(url_for("themes.split_status", framework_id=fw.id, run_id=parts.id))
        if parts is not None:
            flash(f"Split into {len(parts)} themes.", "success")
            return redirect(url_for("themes.framework", framework_id=fw.id))
        return redirect(url_for("themes.theme_edit", framework_id=fw.id, theme_id=found.id))
    merge_form = MergeForm(prefix="merge")
    merge_form.others.choices = _theme_choices(fw.id, exclude=found.id)
    form = ThemeForm(obj=found, lock_version=str(found.lock_version))
    return _edit_page(fw, found, form, merge_form, split_form, 400)


@bp.get("/frameworks/<int:framework_id>/splits/<int:run_id>")
@analysts_required
def split_status(framework_id: int, run_id: int) -> str:
    """A split done by a job: its progress while it works, then the themes it made or why
    it could not split."""
    fw = _framework(framework_id)
    run = review_split.split_run(fw.id, run_id)
    if run is None:
        abort_with(404, "There is no such split in this framework.")
    return render_template(
        "themes/review/split.html",
        framework=fw,
        run=run,
        theme=review.theme_in(fw.id, run.target_theme_id) if run.target_theme_id else None,
        parts=review_split.split_parts(run),
        active=run.status in review_split.ACTIVE,
        # WCAG 2.2.1: people who need the page to stay still can switch the refresh off.
        auto_refresh=request.args.get("refresh") != "off",
        refresh=3,
    )


@bp.route("/frameworks/<int:framework_id>/responses", methods=["POST"])
@analysts_required
def responses_action(framework_id: int) -> WerkzeugResponse:
    """The action on ticked responses, from a theme's page or the "code next" list."""
    fw = _framework(framework_id)
    form = ResponsesForm()
    form.target.choices = _theme_choices(fw.id)
    from_theme = int(form.from_theme.data) if str(form.from_theme.data or "").isdigit() else None
    back = (
        url_for("themes.theme", framework_id=fw.id, theme_id=from_theme)
        if from_theme
        else url_for("themes.map_status", framework_id=fw.id)
    )
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return redirect(back)
    action, ids, target = form.action.data, form.answer_ids.data, form.target.data
    if action in {"move", "code"} and not target:
        flash("Choose the theme to move or code the responses to.", "error")
        return redirect(back)
    actor = acting_user()
    if action in {"move", "remove"}:
        if from_theme is None:
            flash("Open the theme the responses are in to move or remove them.", "error")
            return redirect(back)
        done = _apply(
            review.move_answers,
            fw.id,
            ids,
            from_theme_id=from_theme,
            to_theme_id=target if action == "move" else None,
            actor=actor,
        )
    elif action == "code":
        done = _apply(review.code_answers, fw.id, ids, target, actor=actor)
    else:
        done = _apply(review.mark_not_relevant, fw.id, ids, action == "not_relevant", actor=actor)
    if done:
        flash(f"{done} response(s) updated.", "success")
    return redirect(back)


def _apply(service, *args, **kwargs):
    """Run a change; a refusal or conflict becomes an error message on the next page."""
    try:
        return service(*args, **kwargs)
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None


# --- map all ------------------------------------------------------------------------------


@bp.route("/frameworks/<int:framework_id>/map", methods=["GET", "POST"])
@analysts_required
def map_status(framework_id: int) -> str | WerkzeugResponse:
    fw = _framework(framework_id)
    form = ConfirmForm()
    if request.method == "POST":
        if form.validate_on_submit():
            _apply(review_map.start_map, fw.id, actor=acting_user())
        else:
            flash("The page had expired, so nothing was started: please try again.", "error")
        return redirect(url_for("themes.map_status", framework_id=fw.id))
    run = review_map.latest_map(fw.id)
    to_code = review_map.least_certain(fw.id, (run.summary or {}).get("to_code", [])) if run else []
    code_form = ResponsesForm(action="code")
    code_form.target.choices = _theme_choices(fw.id)
    return render_template(
        "themes/review/map.html",
        framework=fw,
        run=run,
        form=form,
        to_code=to_code,
        code_form=code_form,
        confidence=review_map.confidence_bands(fw.id),
    )


# --- history ------------------------------------------------------------------------------


@bp.route("/frameworks/<int:framework_id>/history")
@analysts_required
def history(framework_id: int) -> str:
    fw = _framework(framework_id)
    return render_template(
        "themes/review/history.html",
        framework=fw,
        changes=review.changes(fw.id),
        runs=review.runs_of(fw.id),
    )


@bp.route("/frameworks/<int:framework_id>/history/compare")
@analysts_required
def compare_versions(framework_id: int) -> str:
    fw = _framework(framework_id)
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    versions = {c.version: c for c in review.changes(fw.id)}
    if a not in versions or b not in versions:
        abort_with(400, "Choose two versions of this framework to compare.")
    comparison = review.compare_snapshots(versions[a].snapshot, versions[b].snapshot)
    return render_template(
        "themes/review/compare_versions.html",
        framework=fw,
        old=versions[a],
        new=versions[b],
        comparison=comparison,
    )


@bp.route("/runs/compare")
@analysts_required
def compare_runs() -> str:
    ids = [request.args.get("a", type=int), request.args.get("b", type=int)]
    runs = [db.session.get(ThemeRun, i) if i else None for i in ids]
    if any(run is None for run in runs):
        abort_with(400, "Choose two theme runs to compare.")
    columns = [
        (run, db.session.execute(
            select(RunTheme).where(RunTheme.run_id == run.id).order_by(RunTheme.index)
        ).scalars().all())
        for run in runs
    ]  # fmt: skip
    return render_template("themes/review/compare_runs.html", columns=columns)


# --- exports ------------------------------------------------------------------------------


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/frameworks/<int:framework_id>/export/<any(themes, responses):kind>.csv")
@analysts_required
def export_csv(framework_id: int, kind: str) -> Response:
    fw = _framework(framework_id)
    body = exports.themes_csv(fw.id) if kind == "themes" else exports.responses_csv(fw.id)
    return _download(body, "text/csv", f"framework-{fw.id}-v{fw.version}-{kind}.csv")


@bp.route("/frameworks/<int:framework_id>/export/codebook.qdc")
@analysts_required
def export_qdc(framework_id: int) -> Response:
    fw = _framework(framework_id)
    themes = [(t.id, t.name, t.description or "", t.priority) for t in fw.themes]
    return _download(
        codebook(fw.id, fw.name, themes), "application/xml", f"framework-{fw.id}-v{fw.version}.qdc"
    )


# --- facilitators: their own events, aggregated ---------------------------------------------


@bp.route("/events/<int:event_id>")
@roles_required(Role.ADMIN, Role.ANALYST, Role.FACILITATOR)
def event_themes(event_id: int) -> str:
    event = db.get_or_404(Event, event_id)
    user = acting_user()
    if user.role == Role.FACILITATOR.value and not event.is_facilitated_by(user):
        abort(403)
    return render_template(
        "themes/review/event.html", event=event, counts=review.event_theme_counts(event.id)
    )
