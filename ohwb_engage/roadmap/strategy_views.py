"""Staff pages of the draft strategy: the live draft, versions, exports, reviewers, comments.

Analysts and administrators only: the draft quotes what people said.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from ohwb_engage.accounts.access import acting_user, roles_required
from ohwb_engage.accounts.models import Role
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db
from ohwb_engage.feedback.forms import ConfirmForm
from ohwb_engage.roadmap import documents as docs
from ohwb_engage.roadmap import strategy
from ohwb_engage.roadmap.blueprint import bp
from ohwb_engage.roadmap.models import Programme
from ohwb_engage.roadmap.strategy_forms import (
    CommentForm,
    DraftForm,
    PublishForm,
    ResolveForm,
    ReviewerForm,
)
from ohwb_engage.roadmap.strategy_models import ReviewComment, Reviewer, StrategyVersion

strategists = roles_required(Role.ADMIN, Role.ANALYST)

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def _programme(programme_id: int) -> Programme:
    return db.get_or_404(Programme, programme_id)


def _published(version_id: int) -> StrategyVersion:
    version = db.get_or_404(StrategyVersion, version_id)
    if not version.published:
        abort_with(404, "This version is the working draft: it has no frozen copy yet.")
    return version


def export_response(programme_id: int, document: docs.StrategyDocument, fmt: str) -> Response:
    """The document in ``fmt``, named after its title and version; the export is audited."""
    strategy.record_export(programme_id, document.version, fmt, actor=acting_user())
    name = docs.filename(document, fmt)
    if fmt == "docx":
        body: bytes | str = docs.to_docx(document)
    elif fmt == "md":
        body = docs.to_markdown(document)
    else:
        body = docs.to_html(document)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


# --- the programme's strategy ----------------------------------------------------------------


@bp.get("/strategy/")
@strategists
def strategy_index() -> str:
    programmes = db.session.execute(db.select(Programme).order_by(Programme.title)).scalars()
    rows = [(p, strategy.latest_published(p.id)) for p in programmes]
    return render_template("roadmap/strategy/index.html", rows=rows)


def _strategy_page(programme: Programme, **forms: object) -> str:
    text = strategy.draft_text(programme)
    document = strategy.assemble(programme, title=text.title, introduction=text.introduction)
    versions = strategy.versions(programme)
    published = [v for v in versions if v.published]
    publish_form = forms.pop("publish_form", None) or PublishForm(
        formdata=None, lock_version=text.lock_version, number=text.number
    )
    return render_template(
        "roadmap/strategy/programme.html",
        programme=programme,
        text=text,
        document=document,
        versions=published,
        open_comments=strategy.open_comment_counts([v.id for v in published]),
        reviewers=strategy.reviewers(programme),
        publish_form=publish_form,
        h=docs,
        **forms,
    )


@bp.get("/programmes/<int:programme_id>/strategy")
@strategists
def strategy_page(programme_id: int) -> str:
    return _strategy_page(_programme(programme_id))


@bp.route("/programmes/<int:programme_id>/strategy/edit", methods=["GET", "POST"])
@strategists
def strategy_edit(programme_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    programme = _programme(programme_id)
    text = strategy.draft_text(programme)
    form = DraftForm() if request.method == "POST" else DraftForm(data=asdict(text))
    if form.validate_on_submit():
        try:
            strategy.save_draft_text(
                programme.id,
                form.title.data,
                form.introduction.data or "",
                form.lock_version.data,
                actor=acting_user(),
                number=form.number.data,
            )
        except strategy.StrategyConflict as exc:
            form.title.errors.append(str(exc))
            latest = strategy.draft_text(programme)
            form.lock_version.data, form.number.data = latest.lock_version, latest.number
            page = render_template("roadmap/strategy/edit.html", programme=programme, form=form)
            return page, 409
        except strategy.StrategyError as exc:
            form.title.errors.append(str(exc))
        else:
            flash("Draft saved.", "success")
            return redirect(url_for("roadmap.strategy_page", programme_id=programme.id))
    return render_template("roadmap/strategy/edit.html", programme=programme, form=form)


@bp.post("/programmes/<int:programme_id>/strategy/publish")
@strategists
def strategy_publish(programme_id: int) -> str | WerkzeugResponse:
    programme = _programme(programme_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = strategy.publish(
                programme.id,
                form.lock_version.data,
                actor=acting_user(),
                number=form.number.data,
            )
        except strategy.StrategyError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Version {version.number} published. Reviewers now see it.", "success")
            return redirect(url_for("roadmap.strategy_version", version_id=version.id))
    return redirect(url_for("roadmap.strategy_page", programme_id=programme.id))


@bp.get("/programmes/<int:programme_id>/strategy/draft.<any(docx,md,html):fmt>")
@strategists
def strategy_draft_export(programme_id: int, fmt: str) -> Response:
    programme = _programme(programme_id)
    return export_response(programme.id, strategy.draft_document(programme), fmt)


# --- versions and comments -----------------------------------------------------------------


def _version_page(version: StrategyVersion, **forms: object) -> str:
    document = strategy.version_document(version)
    programme = db.session.get_one(Programme, version.programme_id)
    comment_form = forms.pop("comment_form", None) or CommentForm(formdata=None)
    comment_form.section.choices = strategy.section_choices(document)
    resolve_forms = forms.pop("resolve_forms", {})
    comments = strategy.comments_by_section(version)
    for section_comments in comments.values():
        for comment in section_comments:
            if not comment.resolved and comment.id not in resolve_forms:
                resolve_forms[comment.id] = ResolveForm(formdata=None, prefix=f"c{comment.id}")
    return render_template(
        "roadmap/strategy/version.html",
        programme=programme,
        version=version,
        document=document,
        sections=strategy.section_choices(document),
        comments=comments,
        comment_form=comment_form,
        resolve_forms=resolve_forms,
        latest=strategy.latest_published(programme.id),
        h=docs,
        **forms,
    )


@bp.get("/strategy/versions/<int:version_id>")
@strategists
def strategy_version(version_id: int) -> str:
    return _version_page(_published(version_id))


@bp.get("/strategy/versions/<int:version_id>/export.<any(docx,md,html):fmt>")
@strategists
def strategy_export(version_id: int, fmt: str) -> Response:
    version = _published(version_id)
    return export_response(version.programme_id, strategy.version_document(version), fmt)


@bp.post("/strategy/versions/<int:version_id>/comments")
@strategists
def strategy_comment(version_id: int) -> str | WerkzeugResponse:
    version = _published(version_id)
    form = CommentForm()
    form.section.choices = strategy.section_choices(strategy.version_document(version))
    if form.validate_on_submit():
        try:
            strategy.add_comment(version.id, form.section.data, form.body.data, actor=acting_user())
        except strategy.StrategyError as exc:
            form.body.errors.append(str(exc))
        else:
            flash("Comment added.", "success")
            return redirect(
                url_for("roadmap.strategy_version", version_id=version.id) + f"#{form.section.data}"
            )
    return _version_page(version, comment_form=form, form=form)


@bp.post("/strategy/comments/<int:comment_id>/resolve")
@strategists
def strategy_resolve(comment_id: int) -> str | WerkzeugResponse:
    comment = db.get_or_404(ReviewComment, comment_id)
    version = _published(comment.version_id)
    form = ResolveForm(prefix=f"c{comment.id}")
    if form.validate_on_submit():
        try:
            strategy.resolve_comment(comment.id, form.note.data, actor=acting_user())
        except strategy.StrategyError as exc:
            flash(str(exc), "error")
        else:
            flash("Comment resolved.", "success")
        return redirect(
            url_for("roadmap.strategy_version", version_id=version.id) + f"#{comment.section_key}"
        )
    return _version_page(version, resolve_forms={comment.id: form}, form=form)


# --- reviewers ----------------------------------------------------------------------------------


@bp.route("/programmes/<int:programme_id>/strategy/reviewers", methods=["GET", "POST"])
@strategists
def strategy_reviewers(programme_id: int) -> str | WerkzeugResponse:
    programme = _programme(programme_id)
    form = ReviewerForm()
    if form.validate_on_submit():
        try:
            reviewer = strategy.invite_reviewer(
                programme.id, form.name.data, form.email.data, form.role.data, actor=acting_user()
            )
        except strategy.StrategyError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"Review link sent to {reviewer.name}.", "success")
            return redirect(url_for("roadmap.strategy_reviewers", programme_id=programme.id))
    return render_template(
        "roadmap/strategy/reviewers.html",
        programme=programme,
        form=form,
        reviewers=strategy.reviewers(programme),
        latest=strategy.latest_published(programme.id),
        confirm=ConfirmForm(formdata=None),
    )


@bp.post("/strategy/reviewers/<int:reviewer_id>/revoke")
@strategists
def strategy_revoke(reviewer_id: int) -> WerkzeugResponse:
    reviewer = db.get_or_404(Reviewer, reviewer_id)
    if ConfirmForm().validate_on_submit():
        try:
            strategy.revoke_reviewer(reviewer.id, actor=acting_user())
        except strategy.StrategyError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{reviewer.name}'s link no longer works.", "success")
    return redirect(url_for("roadmap.strategy_reviewers", programme_id=reviewer.programme_id))
