"""The audit log, for admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ohwb_engage.accounts.access import admin_required
from ohwb_engage.audit import services
from ohwb_engage.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@admin_required
def index() -> str:
    filters = services.AuditFilter(
        action=request.args.get("action") or None,
        target_type=request.args.get("target_type") or None,
        actor_id=request.args.get("actor_id", type=int),
    )
    page = db.paginate(services.query(filters), per_page=50, error_out=False)
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actions=sorted(services.action_names()),
        target_types=sorted(services.target_types()),
    )
