"""Theme run pages: the list, starting a run (with a "check" that needs no JavaScript), a
run's progress and failure, its results, and the actions on it (retry, reproduce, make a
framework). Analysts and administrators only: runs show raw answers.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ohwb_engage.accounts.access import acting_user, roles_required
from ohwb_engage.accounts.models import Role
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db
from ohwb_engage.reference.services import region_choices, stakeholder_group_choices
from ohwb_engage.themes import runs
from ohwb_engage.themes.blueprint import bp
from ohwb_engage.themes.models import RunKind, RunStatus, ThemeRun
from ohwb_engage.themes.run_forms import FrameworkForm, RunForm

analysts = roles_required(Role.ADMIN, Role.ANALYST)
PER_PAGE = 20
ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
REFRESH_SECONDS = 3


def _run(run_id: int) -> ThemeRun:
    """A discovery run; mapping runs live in the review workspace, not here."""
    run = db.session.get(ThemeRun, run_id)
    if run is None or run.kind != RunKind.DISCOVER.value:
        abort_with(404, "There is no such theme run.")
    return run


def _run_form() -> RunForm:
    form = RunForm()
    questionnaires, questions = runs.question_choices()
    form.set_choices(
        questionnaires=questionnaires,
        questions=questions,
        events=runs.event_choices(),
        groups=[(int(v), t) for v, t in stakeholder_group_choices()],
        regions=region_choices(),
    )
    return form


@bp.get("/runs")
@analysts
def run_list() -> str:
    page = db.paginate(runs.runs_query(), per_page=PER_PAGE, error_out=False)
    return render_template("themes/runs/index.html", page=page, active=ACTIVE)


@bp.route("/runs/new", methods=["GET", "POST"])
@analysts
def new_run() -> str | Response:
    """One form, two buttons: "check" counts the answers, "start" queues the run."""
    form = _run_form()
    matching = None
    if form.validate_on_submit():
        filters = form.filters()
        if request.form.get("action") == "start":
            try:
                run_id = runs.start_run(filters, form.settings(), actor=acting_user())
            except runs.CorpusTooSmall as exc:
                form.questionnaires.errors.append(str(exc))
            except runs.InvalidSettings as exc:
                form.max_themes.errors.append(str(exc))
            else:
                if _run(run_id).status != RunStatus.FAILED.value:  # failed: its page says why
                    flash("The run has started. This page shows its progress.", "success")
                return redirect(url_for("themes.run_detail", run_id=run_id))
        matching = runs.count_answers(filters)
    return render_template(
        "themes/runs/new.html", form=form, matching=matching, min_answers=runs.MIN_ANSWERS
    )


@bp.get("/runs/<int:run_id>")
@analysts
def run_detail(run_id: int) -> str:
    run = _run(run_id)
    return render_template(
        "themes/runs/detail.html",
        run=run,
        active=run.status in ACTIVE,
        # WCAG 2.2.1: people who need the page to stay still can switch the refresh off.
        auto_refresh=request.args.get("refresh") != "off",
        stale=runs.is_stale(run),
        refresh=REFRESH_SECONDS,
        frameworks=runs.frameworks_from(run.id),
    )


@bp.get("/runs/<int:run_id>/results")
@analysts
def run_results(run_id: int) -> str | Response:
    run = _run(run_id)
    if run.status != RunStatus.SUCCEEDED.value:
        return redirect(url_for("themes.run_detail", run_id=run.id))
    form = FrameworkForm(name=f"Themes from run {run.id}")
    return _results_page(run, form)


def _results_page(run: ThemeRun, form: FrameworkForm) -> str:
    source = run.config.get("reproduces")
    return render_template(
        "themes/runs/results.html",
        run=run,
        themes=runs.results(run),
        form=form,
        frameworks=runs.frameworks_from(run.id),
        reproduces=source,
        same=runs.same_result(source, run.id) if source else None,
        others=runs.other_finished_runs(run.id),
    )


@bp.post("/runs/<int:run_id>/retry")
@analysts
def retry(run_id: int) -> Response:
    run = _run(run_id)
    try:
        runs.retry_run(run.id, actor=acting_user())
    except runs.RunNotRetryable as exc:
        flash(str(exc), "error")
    else:
        flash("The run has been queued again.", "success")
    return redirect(url_for("themes.run_detail", run_id=run_id))


@bp.post("/runs/<int:run_id>/reproduce")
@analysts
def reproduce(run_id: int) -> Response:
    run = _run(run_id)
    try:
        new_id = runs.reproduce_run(run.id, actor=acting_user())
    except runs.RunNotFinished as exc:
        flash(str(exc), "error")
        return redirect(url_for("themes.run_detail", run_id=run_id))
    flash(f"Reproducing run {run_id} on its snapshot with the same settings.", "success")
    return redirect(url_for("themes.run_detail", run_id=new_id))


@bp.post("/runs/<int:run_id>/framework")
@analysts
def make_framework(run_id: int) -> str | Response:
    run = _run(run_id)
    form = FrameworkForm()
    if not form.validate_on_submit():
        return _results_page(run, form)
    try:
        framework_id = runs.create_framework(run.id, name=form.name.data, actor=acting_user())
    except runs.RunNotFinished as exc:
        flash(str(exc), "error")
        return redirect(url_for("themes.run_detail", run_id=run_id))
    except runs.InvalidSettings as exc:
        form.name.errors.append(str(exc))
        return _results_page(run, form)
    flash("The framework has been created from this run.", "success")
    return redirect(url_for("themes.framework", framework_id=framework_id))
