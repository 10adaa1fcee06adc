"""Feedback pages: staff build, send and read questionnaires under /feedback/; participants
answer under short public paths (/q/<code> for open links, /q/p/<token> for personal ones)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from ohwb_engage.accounts.access import (
    acting_user,
    public,
    roles_required,
    staff_required,
)
from ohwb_engage.accounts.models import Role
from ohwb_engage.database import utcnow
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db, limiter
from ohwb_engage.feedback import answering, imports, results, services, structure
from ohwb_engage.feedback.charts import bar_chart
from ohwb_engage.feedback.corpus import CorpusFilters, corpus_count, corpus_overview, corpus_query
from ohwb_engage.feedback.forms import (
    ConfirmForm,
    ImportUploadForm,
    InviteForm,
    QuestionForm,
    QuestionnaireForm,
    SectionForm,
    answer_form,
    answer_form_class,
    london_day,
    london_day_end,
)
from ohwb_engage.feedback.models import (
    Invitation,
    Question,
    Questionnaire,
    QuestionnaireKind,
    ResponseStatus,
    Section,
)
from ohwb_engage.feedback.structure import Page
from ohwb_engage.forms import LONG_TEXT_MAX
from ohwb_engage.reference.services import region_choices, stakeholder_group_choices
from ohwb_engage.template_helpers import london, london_date

bp = Blueprint("feedback", __name__)

builders = roles_required(Role.ADMIN, Role.FACILITATOR)
corpus_readers = roles_required(Role.ADMIN, Role.ANALYST, Role.FACILITATOR)
DRAFTS = "feedback_drafts"  # session: questionnaire id -> submission key of the draft


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


# --- helpers ------------------------------------------------------------------------------


def _questionnaire(questionnaire_id: int, *, manage: bool = False) -> Questionnaire:
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    user = acting_user()
    allowed = (
        services.can_manage(user, questionnaire)
        if manage
        else services.can_read_results(user, questionnaire)
    )
    if not allowed:
        abort_with(
            403,
            "Only the questionnaire's facilitators, administrators and analysts can open it.",
        )
    return questionnaire


def _event_choices() -> list[tuple[str, str]]:
    return [("", "No event")] + [
        (str(e.id), f"{e.title} ({london_date(e.starts_at)})") for e in services.events_for_choice()
    ]


def _settings_from(form: QuestionnaireForm) -> services.Settings:
    from ohwb_engage.feedback.corpus import london_day_start

    return services.Settings(
        title=form.title.data,
        kind=form.kind.data,
        introduction=form.introduction.data or "",
        anonymous=form.anonymous.data,
        open_link=form.open_link.data,
        opens_at=london_day_start(form.opens_on.data) if form.opens_on.data else None,
        closes_at=london_day_end(form.closes_on.data) if form.closes_on.data else None,
        event_id=form.event_id.data,
        auto_send=form.auto_send.data,
        follow_up_weeks=form.follow_up_weeks.data,
        redact=form.redact.data,
        retention_days=form.retention_days.data,
        original_retention_days=form.original_retention_days.data,
    )


def _back_to(questionnaire: Questionnaire) -> WerkzeugResponse:
    return redirect(url_for("feedback.detail", questionnaire_id=questionnaire.id))


def _delete_or_move(
    questionnaire: Questionnaire,
    item: Any,
    action: str,
    delete: Any,
    move: Any,
    noun: str,
) -> WerkzeugResponse:
    """The small buttons beside a section or question: delete, move up, move down."""
    try:
        if action == "delete":
            delete(item, actor=acting_user())
            flash(f"{noun} deleted.", "success")
        else:
            move(item, -1 if action == "up" else 1, actor=acting_user())
    except services.FeedbackError as exc:
        flash(str(exc), "error")
    return _back_to(questionnaire)


# --- list, create, settings -----------------------------------------------------------------


@bp.get("/feedback/")
@staff_required
def index() -> str:
    kind = request.args.get("kind")
    kind = kind if kind in {k.value for k in QuestionnaireKind} else None
    state = request.args.get("state")
    state = state if state in {"draft", "open", "closed"} else None
    page = db.paginate(services.questionnaire_query(kind, state), per_page=30, error_out=False)
    counts = services.submitted_counts([q.id for q in page.items])
    return render_template(
        "feedback/index.html", page=page, counts=counts, kind=kind, state=state, now=utcnow()
    )


@bp.route("/feedback/new", methods=["GET", "POST"])
@builders
def create() -> str | WerkzeugResponse:
    form = QuestionnaireForm(
        data={"redact": True, "retention_days": 730, "original_retention_days": 0,
              "use_standard": True}
    ) if request.method == "GET" else QuestionnaireForm()  # fmt: skip
    form.event_id.choices = _event_choices()
    if form.validate_on_submit():
        try:
            questionnaire = services.create_questionnaire(
                _settings_from(form),
                actor=acting_user(),
                use_standard_questions=form.use_standard.data,
            )
        except services.FeedbackError as exc:
            form.title.errors.append(str(exc))
        else:
            flash("Questionnaire created. Check the questions, then publish it.", "success")
            return _back_to(questionnaire)
    return render_template("feedback/settings.html", form=form, questionnaire=None)


@bp.route("/feedback/<int:questionnaire_id>/settings", methods=["GET", "POST"])
@builders
def settings(questionnaire_id: int) -> str | WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    if request.method == "GET":
        form = QuestionnaireForm(
            obj=questionnaire,
            opens_on=london_day(questionnaire.opens_at),
            closes_on=london_day(questionnaire.closes_at),
        )
    else:
        form = QuestionnaireForm()
    del form.use_standard
    form.event_id.choices = _event_choices()
    if form.validate_on_submit():
        try:
            services.update_settings(questionnaire, _settings_from(form), actor=acting_user())
        except services.FeedbackError as exc:
            form.title.errors.append(str(exc))
        else:
            flash("Settings saved.", "success")
            return _back_to(questionnaire)
    return render_template("feedback/settings.html", form=form, questionnaire=questionnaire)


@bp.get("/feedback/<int:questionnaire_id>")
@staff_required
def detail(questionnaire_id: int) -> str:
    questionnaire = _questionnaire(questionnaire_id)
    return render_template(
        "feedback/detail.html",
        questionnaire=questionnaire,
        manage=services.can_manage(acting_user(), questionnaire),
        answers=services.answer_counts(questionnaire),
        rate=results.response_rate(questionnaire),
        open_link_html=Markup('<a href="{0}">{0}</a>').format(services.open_link(questionnaire))
        if questionnaire.open_link
        else None,
        confirm=ConfirmForm(),
        now=utcnow(),
    )


@bp.post("/feedback/<int:questionnaire_id>/<any(publish, close, new_version, delete):action>")
@builders
def lifecycle(questionnaire_id: int, action: str) -> WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    actor = acting_user()
    try:
        if action == "publish":
            services.publish(questionnaire, actor=actor)
            flash("Published.", "success")
        elif action == "close":
            services.close(questionnaire, actor=actor)
            flash("Closed: it takes no more answers.", "success")
        elif action == "new_version":
            copy = services.new_version(questionnaire, actor=actor)
            flash(
                f"Version {copy.version} created as a draft. Version {questionnaire.version} "
                "keeps all its answers.",
                "success",
            )
            return _back_to(copy)
        else:
            title = questionnaire.title
            services.delete_questionnaire(questionnaire, actor=actor)
            flash(f"Deleted “{title}”.", "success")
            return redirect(url_for("feedback.index"))
    except services.FeedbackError as exc:
        flash(str(exc), "error")
    return _back_to(questionnaire)


# --- sections and questions -------------------------------------------------------------------


@bp.route("/feedback/<int:questionnaire_id>/sections/new", methods=["GET", "POST"])
@bp.route("/feedback/<int:questionnaire_id>/sections/<int:section_id>", methods=["GET", "POST"])
@builders
def section_form(questionnaire_id: int, section_id: int | None = None) -> str | WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    section = None
    if section_id is not None:
        section = db.get_or_404(Section, section_id)
        if section.questionnaire_id != questionnaire.id:
            abort_with(404, "There is no such section in this questionnaire.")
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            if section is None:
                services.add_section(
                    questionnaire, form.title.data, form.description.data or "", actor=acting_user()
                )
            else:
                services.update_section(
                    section, form.title.data, form.description.data or "", actor=acting_user()
                )
        except services.FeedbackError as exc:
            form.title.errors.append(str(exc))
        else:
            flash("Section saved.", "success")
            return _back_to(questionnaire)
    return render_template(
        "feedback/section_form.html", form=form, questionnaire=questionnaire, section=section
    )


@bp.post(
    "/feedback/<int:questionnaire_id>/sections/<int:section_id>/<any(up, down, delete):action>"
)
@builders
def section_action(questionnaire_id: int, section_id: int, action: str) -> WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    section = db.get_or_404(Section, section_id)
    if section.questionnaire_id != questionnaire.id:
        abort_with(404, "There is no such section in this questionnaire.")
    return _delete_or_move(
        questionnaire, section, action, services.delete_section, services.move_section, "Section"
    )


def _question_or_404(questionnaire: Questionnaire, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.questionnaire_id != questionnaire.id:
        abort_with(404, "There is no such question in this questionnaire.")
    return question


@bp.route("/feedback/<int:questionnaire_id>/questions/new", methods=["GET", "POST"])
@bp.route("/feedback/<int:questionnaire_id>/questions/<int:question_id>", methods=["GET", "POST"])
@builders
def question_form(questionnaire_id: int, question_id: int | None = None) -> str | WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    question = _question_or_404(questionnaire, question_id) if question_id else None
    if request.method == "GET" and question is not None:
        form = QuestionForm(
            obj=question,
            options="\n".join(o["label"] for o in question.options or [])
            if question.kind in ("single_choice", "multiple_choice", "rating")
            else "",
            impact_level=question.impact_level or "",
        )
    elif request.method == "GET":
        form = QuestionForm(section_id=request.args.get("section", type=int))
    else:
        form = QuestionForm()
    form.section_id.choices = [(str(s.id), s.title) for s in questionnaire.sections]
    if form.validate_on_submit():
        data = services.QuestionData(
            kind=form.kind.data,
            text=form.text.data,
            section_id=form.section_id.data,
            help_text=form.help_text.data or "",
            required=form.required.data,
            options=form.option_lines(),
            impact_level=form.impact_level.data or None,
        )
        try:
            if question is None:
                services.add_question(questionnaire, data, actor=acting_user())
            else:
                services.update_question(question, data, actor=acting_user())
        except services.FeedbackError as exc:
            target = form.options if "option" in str(exc).lower() else form.kind
            target.errors = [*target.errors, str(exc)]
        else:
            flash("Question saved.", "success")
            return _back_to(questionnaire)
    answered = services.answer_counts(questionnaire).get(question.id, 0) if question else 0
    return render_template(
        "feedback/question_form.html",
        form=form,
        questionnaire=questionnaire,
        question=question,
        answered=answered,
    )


@bp.post(
    "/feedback/<int:questionnaire_id>/questions/<int:question_id>/<any(up, down, delete):action>"
)
@builders
def question_action(questionnaire_id: int, question_id: int, action: str) -> WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    question = _question_or_404(questionnaire, question_id)
    return _delete_or_move(
        questionnaire, question, action, services.delete_question, services.move_question,
        "Question",
    )  # fmt: skip


@bp.get("/feedback/<int:questionnaire_id>/preview")
@staff_required
def preview(questionnaire_id: int) -> str:
    questionnaire = _questionnaire(questionnaire_id)
    page_list = answering.pages(questionnaire)
    if not page_list:
        abort_with(404, "This questionnaire has no questions yet.")
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= len(page_list):
        abort_with(404, "There is no such page.")
    page = page_list[number - 1]
    form = answer_form(
        page,
        final=number == len(page_list),
        anonymous=questionnaire.anonymous,
        group_choices=stakeholder_group_choices(),
        region_choices=region_choices(),
        data={},
    )
    return render_template(
        "feedback/answer.html",
        questionnaire=questionnaire,
        form=form,
        page=page,
        pages=page_list,
        preview=True,
        editing=False,
        page_url=lambda n: url_for("feedback.preview", questionnaire_id=questionnaire.id, page=n),
        long_max=LONG_TEXT_MAX,
    )


# --- distribution --------------------------------------------------------------------------


@bp.route("/feedback/<int:questionnaire_id>/invitations", methods=["GET", "POST"])
@builders
def invitations(questionnaire_id: int) -> str | WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            report = services.invite(questionnaire, form.people.data, actor=acting_user())
        except services.FeedbackError as exc:
            form.people.errors.append(str(exc))
        else:
            message = f"{report.added} invitations sent."
            if report.already:
                message += f" {report.already} were already invited and were not sent another."
            flash(message, "success")
            return redirect(url_for("feedback.invitations", questionnaire_id=questionnaire.id))
    status = request.args.get("status")
    status = status if status in {"responded", "waiting"} else None
    page = db.paginate(
        services.invitations_query(questionnaire, status), per_page=50, error_out=False
    )
    return render_template(
        "feedback/invitations.html",
        form=form,
        questionnaire=questionnaire,
        page=page,
        status=status,
        rate=results.response_rate(questionnaire),
        confirm=ConfirmForm(),
    )


@bp.post("/feedback/<int:questionnaire_id>/chase")
@builders
def chase(questionnaire_id: int) -> WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    try:
        reminded = services.chase_non_responders(questionnaire, actor=acting_user())
    except services.FeedbackError as exc:
        flash(str(exc), "error")
    else:
        if reminded:
            flash(f"Reminders sent to {reminded} people who have not answered yet.", "success")
        else:
            flash(
                "Nobody to remind: everyone has answered or was reminded in the last 24 hours.",
                "success",
            )
    return redirect(url_for("feedback.invitations", questionnaire_id=questionnaire.id))


# --- results -------------------------------------------------------------------------------


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/feedback/<int:questionnaire_id>/results")
@staff_required
def results_page(questionnaire_id: int) -> str:
    questionnaire = _questionnaire(questionnaire_id)
    source = request.args.get("source")
    filters = results.ResultFilters(
        question_id=_int_arg("question"),
        event_id=_int_arg("event"),
        stakeholder_group_id=_int_arg("group"),
        region=request.args.get("region") or None,
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        source=source if source in {"online", "imported"} else None,
    )
    page = results.paginate_rows(
        results.text_answers_query(questionnaire, filters), request.args.get("page", 1, type=int)
    )
    summaries = results.closed_summaries(questionnaire, filters)
    charts = {
        s.question.id: bar_chart(f"chart-{s.question.id}", s.question.text, s.options)
        for s in summaries
    }
    return render_template(
        "feedback/results.html",
        questionnaire=questionnaire,
        rate=results.response_rate(questionnaire),
        summaries=summaries,
        charts=charts,
        page=page,
        filters=filters,
        choices=results.filter_choices(questionnaire),
        manage=services.can_manage(acting_user(), questionnaire),
    )


@bp.get("/feedback/<int:questionnaire_id>/results.csv")
@staff_required
def export(questionnaire_id: int) -> Response:
    questionnaire = _questionnaire(questionnaire_id)
    body = results.export_csv(questionnaire, actor=acting_user())
    name = f"questionnaire-{questionnaire.id}-v{questionnaire.version}-responses.csv"
    return Response(
        "\ufeff" + body,  # a BOM, so Excel reads the UTF-8 correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- import --------------------------------------------------------------------------------


@bp.route("/feedback/<int:questionnaire_id>/import", methods=["GET", "POST"])
@builders
def import_upload(questionnaire_id: int) -> str | WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = ["Choose a CSV or Excel file to upload"]
        else:
            data = upload.stream.read(imports.max_bytes() + 1)
            try:
                batch = imports.start_import(
                    questionnaire,
                    upload.filename,
                    data,
                    form.consent_basis.data,
                    actor=acting_user(),
                )
            except imports.ImportTooLarge as exc:
                abort_with(413, str(exc))
            except services.FeedbackError as exc:
                form.file.errors = [str(exc)]
            else:
                return redirect(
                    url_for("feedback.import_map", questionnaire_id=questionnaire.id, key=batch.key)
                )
    return render_template(
        "feedback/import_upload.html",
        form=form,
        questionnaire=questionnaire,
        past=imports.imports_of(questionnaire),
        confirm=ConfirmForm(),
        limit_mb=imports.max_bytes() // (1024 * 1024),
    )


def _mapping_from_request(table: imports.Table | None, guess: imports.ColumnMapping) -> Any:
    source = request.form if request.method == "POST" else request.args
    if "text" not in source:
        return guess
    width = len(table.headers) if table else 0

    def column(name: str) -> int | None:
        value = source.get(name, "")
        return int(value) if value.isdigit() and int(value) < width else None

    def number(name: str) -> int | None:
        value = source.get(name, "")
        return int(value) if value.isdigit() else None

    encoding = source.get("encoding", "auto")
    return imports.ColumnMapping(
        text=column("text"),
        question=column("question"),
        stakeholder_group=column("stakeholder_group"),
        organisation=column("organisation"),
        region=column("region"),
        date=column("date"),
        default_question_id=number("default_question"),
        event_id=number("event"),
        encoding=encoding if encoding in imports.ENCODING_LABELS else "auto",
        create_missing_questions=source.get("create_missing") == "y",
    )


@bp.route("/feedback/<int:questionnaire_id>/import/<key>", methods=["GET", "POST"])
@builders
def import_map(questionnaire_id: int, key: str) -> str | WerkzeugResponse:
    """Map columns, see the check of every row, then import or discard. GET re-checks."""
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    batch = imports.upload_for(questionnaire, key)
    if batch is None:
        abort_with(404, "This upload has expired or does not exist. Upload the file again.")
    if batch.data is None:
        flash("This file has already been imported or discarded.", "error")
        return redirect(url_for("feedback.import_upload", questionnaire_id=questionnaire.id))
    confirm = ConfirmForm()
    action = request.form.get("action") if request.method == "POST" else None
    if request.method == "POST" and not confirm.validate_on_submit():
        abort_with(400, "The form had expired. Go back, refresh the page and try again.")
    if action == "discard":
        imports.discard_import(questionnaire, key, actor=acting_user())
        flash("The upload was discarded; nothing was imported.", "success")
        return redirect(url_for("feedback.import_upload", questionnaire_id=questionnaire.id))
    problem = None
    table = None
    report = None
    encoding = request.values.get("encoding", "auto")
    try:
        table = imports.read_table(
            batch.filename, batch.data, encoding if encoding in imports.ENCODING_LABELS else "auto"
        )
    except imports.ImportProblem as exc:
        problem = str(exc)
    mapping = _mapping_from_request(
        table, imports.guess_mapping(table) if table else imports.ColumnMapping()
    )
    if mapping.event_id is None and "event" not in request.values:
        mapping = imports.ColumnMapping(**{**mapping.as_dict(), "event_id": batch.event_id})
    if table is not None:
        try:
            report = imports.check(questionnaire, table, mapping)
        except imports.ImportProblem as exc:
            problem = str(exc)
    if action == "commit" and problem is None:
        try:
            added = imports.commit_import(questionnaire, key, mapping, actor=acting_user())
        except imports.ImportProblem as exc:
            problem = str(exc)
        else:
            flash(f"Imported {added} rows as responses.", "success")
            return redirect(url_for("feedback.results_page", questionnaire_id=questionnaire.id))
    return render_template(
        "feedback/import_map.html",
        questionnaire=questionnaire,
        batch=batch,
        table=table,
        mapping=mapping,
        report=report,
        problem=problem,
        confirm=confirm,
        encodings=imports.ENCODINGS,
        columns=[("", "Not in the file")]
        + [(str(i), h) for i, h in enumerate(table.headers if table else [])],
        events=_event_choices(),
        text_questions=[q for q in questionnaire.questions if q.is_text],
    ), (400 if problem and action == "commit" else 200)


@bp.post("/feedback/<int:questionnaire_id>/imports/<int:batch_id>/undo")
@builders
def import_undo(questionnaire_id: int, batch_id: int) -> WerkzeugResponse:
    questionnaire = _questionnaire(questionnaire_id, manage=True)
    try:
        removed = imports.undo_import(questionnaire, batch_id, actor=acting_user())
    except services.FeedbackError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Import undone: {removed} imported responses removed.", "success")
    return redirect(url_for("feedback.import_upload", questionnaire_id=questionnaire.id))


# --- the programme-wide corpus -----------------------------------------------------------------


def _corpus_filters() -> CorpusFilters:
    def ints(name: str) -> tuple[int, ...]:
        return tuple(int(v) for v in request.args.getlist(name) if v.isdigit())

    sources = tuple(s for s in request.args.getlist("source") if s in {"online", "imported"})
    return CorpusFilters(
        questionnaire_ids=ints("questionnaire"),
        event_ids=ints("event"),
        stakeholder_group_ids=ints("group"),
        regions=tuple(r for r in request.args.getlist("region") if r),
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        sources=sources,
    )


@bp.get("/feedback/corpus")
@corpus_readers
def corpus_page() -> str:
    filters = _corpus_filters()
    return render_template(
        "feedback/corpus.html",
        overview=corpus_overview(),
        filters=filters,
        matching=corpus_count(filters),
        groups=stakeholder_group_choices(),
        regions=region_choices(),
        events=_event_choices()[1:],
    )


@bp.get("/feedback/corpus.csv")
@roles_required(Role.ADMIN, Role.ANALYST)
def corpus_csv() -> Response:
    filters = _corpus_filters()
    rows = db.session.execute(corpus_query(filters)).mappings()
    header = ["answer", "response", "questionnaire", "question", "event", "stakeholder group",
              "organisation", "region", "answered", "source", "text"]  # fmt: skip
    body = results.csv_text(
        header,
        (
            [r["answer_id"], r["response_id"], r["questionnaire"], r["question"], r["event"] or "",
             r["stakeholder_group"] or "", r["organisation"], r["region"],
             london(r["answered_at"], "%Y-%m-%d"), r["source"], r["text"]]
            for r in rows
        ),
    )  # fmt: skip
    services.record_corpus_export(actor=acting_user(), filters=filters)
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="feedback-corpus.csv"'},
    )


# --- answering (public) ----------------------------------------------------------------------


def _drafts() -> dict[str, str]:
    return dict(session.get(DRAFTS, {}))


def _remember_key(questionnaire_id: int, key: str | None) -> None:
    drafts = _drafts()
    if key is None:
        drafts.pop(str(questionnaire_id), None)
    else:
        drafts[str(questionnaire_id)] = key
    session[DRAFTS] = drafts


def _closed(questionnaire: Questionnaire, response: Any, status: int) -> tuple[str, int]:
    return render_template(
        "feedback/answer_closed.html",
        questionnaire=questionnaire,
        message=answering.closed_message(questionnaire),
        response=response,
    ), status


def _answer(
    questionnaire: Questionnaire,
    invitation: Invitation | None,
    page_url: Any,
    thanks_url: str,
) -> str | WerkzeugResponse | tuple[str, int]:
    questionnaire_id = questionnaire.id  # saving expires the object: keep what we need
    page_list = structure.answer_pages(questionnaire)
    if not page_list:
        abort_with(404, "This questionnaire has no questions yet.")
    posting = request.method == "POST"
    if posting:
        key = request.form.get("submission_key", "")
        if not answering.valid_key(key):
            abort_with(400, "The form was not complete. Go back, refresh the page and try again.")
    else:
        key = _drafts().get(str(questionnaire_id)) or answering.new_submission_key()
    linked = invitation is not None and not questionnaire.anonymous
    # On POST the service finds the response itself, under the write lock.
    response = (
        None
        if posting and invitation is None
        else answering.find_response(questionnaire, key=key, invitation=invitation)
    )
    submitted = response is not None and response.status == ResponseStatus.SUBMITTED.value
    if not questionnaire.is_open():
        return _closed(questionnaire, response if linked else None, 409 if posting else 200)
    answered_anonymously = (
        invitation is not None and questionnaire.anonymous and invitation.responded_at is not None
    )
    if answered_anonymously and not (posting and submitted):
        already = render_template("feedback/answer_already.html", questionnaire=questionnaire)
        return already, 409 if posting else 200
    if submitted and not linked:
        if posting:  # the same form again: a double click or a retried request
            return redirect(thanks_url, 303)
        key = answering.new_submission_key()  # they answered before: this is a new response
        response, submitted = None, False
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= len(page_list):
        abort_with(404, "There is no such page in this questionnaire.")
    page = page_list[number - 1]
    final = number == len(page_list)
    data = None if posting else answering.form_data(page, final, invitation, response)
    form_class = _answer_form_class(questionnaire, page, number, final, invitation is not None)
    form = form_class(data=data) if data is not None else form_class()
    form.submission_key.data = key
    if posting and form.validate_on_submit():
        values, about = _answers_from(form, page, final)
        try:
            result = answering.save_page(
                questionnaire_id,
                number,
                values,
                key=key,
                invitation_id=invitation.id if invitation else None,
                about=about,
                consent=bool(final and form.consent.data),
            )
        except answering.QuestionnaireClosed:
            return _closed(questionnaire, None, 409)
        except answering.AlreadyAnswered:
            return render_template("feedback/answer_already.html", questionnaire=questionnaire), 409
        except services.FeedbackError as exc:
            flash(str(exc), "error")
        else:
            return _after_saving(result, questionnaire_id, key, number, page_url, thanks_url)
    elif not posting:
        _remember_key(questionnaire_id, key)
    return render_template(
        "feedback/answer.html",
        questionnaire=questionnaire,
        form=form,
        page=page,
        pages=page_list,
        preview=False,
        editing=submitted and linked,
        response=response,
        page_url=page_url,
        long_max=LONG_TEXT_MAX,
    )


def _answer_form_class(
    questionnaire: Questionnaire | answering.OpenLink,
    page: Page,
    number: int,
    final: bool,
    contactable: bool,
) -> type:
    anonymous = questionnaire.anonymous
    groups = tuple(stakeholder_group_choices()) if final else ()
    return structure.form_class(
        questionnaire,
        (number, final, anonymous, contactable, groups),
        lambda: answer_form_class(
            page, final=final, anonymous=anonymous, group_choices=groups,
            region_choices=region_choices(), contactable=contactable,
        ),
    )  # fmt: skip


def _answers_from(
    form: Any, page: Page, final: bool
) -> tuple[dict[int, Any], answering.AboutYou | None]:
    """The page's answers and, on the last page, what the person told us about themselves."""
    values = {q.id: form[f"q{q.id}"].data for q in page.questions}
    if not final:
        return values, None
    group = form.stakeholder_group.data
    return values, answering.AboutYou(
        stakeholder_group_id=int(group) if group and group.isdigit() else None,
        organisation=(form.organisation.data or "") if "organisation" in form else "",
        region=(form.region.data or "") if "region" in form else "",
        may_quote=bool(form.may_quote.data),
        contact_consent="contact_consent" in form and bool(form.contact_consent.data),
    )


def _after_saving(
    result: answering.SaveResult,
    questionnaire_id: int,
    key: str,
    number: int,
    page_url: Any,
    thanks_url: str,
) -> WerkzeugResponse:
    if result.complete:
        _remember_key(questionnaire_id, None)
        return redirect(thanks_url, 303)
    _remember_key(questionnaire_id, key)
    if result.missing_page is not None:
        flash("Some questions that need an answer have not been answered yet.", "error")
        return redirect(page_url(result.missing_page), 303)
    return redirect(page_url(number + 1), 303)


def _first_page_at_once(code: str) -> WerkzeugResponse | None:
    """The busiest POST, an open link's first page, saved from this process's copy of the
    questionnaire (``answering.OpenLink``) with nothing read before the write. None for
    anything else, or anything not plainly valid and new: ``_answer`` then reads and says."""
    link = answering.known_open_link(code)
    if link is None or request.args.get("page", 1, type=int) != 1:
        return None
    key = request.form.get("submission_key", "")
    page_list = structure.answer_pages(link)
    if not page_list:
        return None
    final = len(page_list) == 1
    form = _answer_form_class(link, page_list[0], 1, final, contactable=False)()
    if not form.validate_on_submit():
        return None
    values, about = _answers_from(form, page_list[0], final)
    consent = bool(final and form.consent.data)
    result = answering.save_first_page(link, values, key=key, about=about, consent=consent)
    if result is None:
        return None
    return _after_saving(
        result,
        link.id,
        key,
        1,
        lambda n: url_for("feedback.answer_open", code=code, page=n),
        url_for("feedback.thanks_open", code=code),
    )


def _open_or_404(code: str) -> Questionnaire:
    questionnaire = answering.open_questionnaire(code)
    if questionnaire is None:
        abort_with(404, "There is no questionnaire at this address. Check the link you were given.")
    return questionnaire


@bp.route("/q/<code>", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def answer_open(code: str) -> Any:
    if request.method == "POST":
        saved = _first_page_at_once(code)
        if saved is not None:
            return saved
    return _answer(
        _open_or_404(code),
        None,
        lambda n: url_for("feedback.answer_open", code=code, page=n),
        url_for("feedback.thanks_open", code=code),
    )


@bp.get("/q/<code>/thanks")
@public
def thanks_open(code: str) -> str:
    return render_template(
        "feedback/answer_thanks.html", questionnaire=_open_or_404(code), edit_url=None
    )


def _invitation(token: str) -> Invitation | tuple[str, int]:
    try:
        return answering.invitation_from_token(token)
    except answering.LinkProblem as exc:
        return render_template("feedback/answer_link_problem.html", message=str(exc)), 404


@bp.route("/q/p/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def answer_personal(token: str) -> Any:
    invitation = _invitation(token)
    if not isinstance(invitation, Invitation):
        return invitation
    return _answer(
        invitation.questionnaire,
        invitation,
        lambda n: url_for("feedback.answer_personal", token=token, page=n),
        url_for("feedback.thanks_personal", token=token),
    )


@bp.get("/q/p/<token>/thanks")
@public
def thanks_personal(token: str) -> Any:
    invitation = _invitation(token)
    if not isinstance(invitation, Invitation):
        return invitation
    questionnaire = invitation.questionnaire
    return render_template(
        "feedback/answer_thanks.html",
        questionnaire=questionnaire,
        edit_url=None
        if questionnaire.anonymous
        else url_for("feedback.answer_personal", token=token),
    )
