"""Events pages. (Filled in by the events issue.)"""

from __future__ import annotations

from flask import Blueprint, render_template

from ohwb_engage.accounts.access import public

bp = Blueprint("workshops", __name__, url_prefix="/events")


@bp.get("/")
@public
def index() -> str:
    return render_template("workshops/index.html")
