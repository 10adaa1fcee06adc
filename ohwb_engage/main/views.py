"""Landing pages and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from ohwb_engage.accounts.access import public, staff_required
from ohwb_engage.extensions import db, limiter
from ohwb_engage.navigation import links_for_current_user

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    return render_template("main/index.html")


@bp.get("/staff")
@staff_required
def staff_home() -> str:
    return render_template("main/staff_home.html", staff_links=links_for_current_user())


@bp.get("/privacy")
@public
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.get("/healthz")
@public
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """For load balancers and uptime checks: 200 when the database answers, 503 when not."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
