"""The public 'You said, we did' page of a programme: shown only once published."""

from __future__ import annotations

from flask import abort, render_template

from ohwb_engage.accounts.access import public
from ohwb_engage.roadmap import public as pages
from ohwb_engage.roadmap.blueprint import bp


@bp.get("/p/<slug>")
@public
def public_page(slug: str) -> str:
    programme = pages.published_programme(slug)
    if programme is None:
        abort(404)  # unpublished pages do not exist for the public
    return render_template(
        "roadmap/public/programme.html",
        page=pages.page_for(programme),
        small_count=pages.SMALL_COUNT,
    )
