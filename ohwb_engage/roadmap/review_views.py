"""The reviewer's page: the latest published draft through a signed link, and comments on it.

Reviewers have no account. The link names the reviewer and the generation of their
invitation; revoking or re-inviting bumps it, so an old link stops at once. The page shows
only the frozen document (never the live framework, responses or staff pages) and only the
reviewer's own comments.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from ohwb_engage.accounts.access import public
from ohwb_engage.errors import abort_with
from ohwb_engage.extensions import db, limiter
from ohwb_engage.roadmap import documents as docs
from ohwb_engage.roadmap import strategy
from ohwb_engage.roadmap.blueprint import bp
from ohwb_engage.roadmap.models import Programme
from ohwb_engage.roadmap.strategy_forms import CommentForm
from ohwb_engage.roadmap.strategy_models import Reviewer


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _reviewer(token: str) -> Reviewer:
    try:
        return strategy.reviewer_from_token(token)
    except strategy.ReviewLinkError as exc:
        abort_with(exc.code, str(exc))
        raise  # unreachable: abort_with raises


@bp.route("/review/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_public_post_limit, methods=["POST"])
def review_strategy(token: str) -> str | WerkzeugResponse:
    reviewer = _reviewer(token)
    programme = db.session.get_one(Programme, reviewer.programme_id)
    shown = request.form.get("version") if request.method == "POST" else None
    version = strategy.version_for_comment(programme.id, shown)
    if version is None:
        abort_with(404, "There is no published draft to review yet. Try again later.")
    document = strategy.version_document(version)
    form = CommentForm()
    form.section.choices = strategy.section_choices(document)
    form.version.data = str(version.number)
    if request.method == "GET" and request.args.get("section") in dict(form.section.choices):
        form.section.data = request.args["section"]
    if form.validate_on_submit():
        try:
            strategy.add_comment(
                version.id, form.section.data, form.body.data, reviewer_id=reviewer.id
            )
        except strategy.ReviewLinkError as exc:
            abort_with(exc.code, str(exc))
        except strategy.StrategyError as exc:
            form.body.errors.append(str(exc))
        else:
            flash("Thank you. Your comment has been sent to the programme team.", "success")
            return redirect(url_for("roadmap.review_strategy", token=token) + "#your-comments")
    own = [
        c
        for section in strategy.comments_by_section(version).values()
        for c in section
        if c.reviewer_id == reviewer.id
    ]
    earlier = strategy.count_earlier_comments(reviewer.id, version.id)
    return render_template(
        "roadmap/strategy/review.html",
        reviewer=reviewer,
        programme=programme,
        version=version,
        document=document,
        sections=dict(form.section.choices),
        own_comments=own,
        earlier_comments=earlier,
        form=form,
        token=token,
        h=docs,
    )
