"""The outbox, for admins: what was sent, what waits, what failed. The embedded default has no
SMTP server, so this page is how an admin reads messages there."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ohwb_engage.accounts.access import acting_user, admin_required
from ohwb_engage.accounts.forms import ConfirmForm
from ohwb_engage.extensions import db
from ohwb_engage.mail import services
from ohwb_engage.mail.models import MessageStatus, OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.get("/")
@admin_required
def index() -> str:
    status = request.args.get("status")
    status = status if status in {s.value for s in MessageStatus} else None
    page = db.paginate(services.outbox_query(status=status), per_page=50, error_out=False)
    return render_template(
        "mail/index.html",
        page=page,
        status=status,
        statuses=[s.value for s in MessageStatus],
        smtp=services.smtp_configured(),
    )


@bp.get("/<int:message_id>")
@admin_required
def detail(message_id: int) -> str:
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("mail/detail.html", message=message, confirm=ConfirmForm())


@bp.post("/<int:message_id>/retry")
@admin_required
def retry(message_id: int) -> Response:
    message = db.get_or_404(OutboxMessage, message_id)
    services.retry_message(message, actor=acting_user())
    flash("The message will be sent again.", "success")
    return redirect(url_for("mail.detail", message_id=message.id))
