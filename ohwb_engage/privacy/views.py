"""The administrator's data subject request page: find, export or erase one e-mail address.

Every step is a POST, so the address never appears in a URL, a browser history or an
access log.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from ohwb_engage.accounts.access import acting_user, admin_required
from ohwb_engage.privacy import services
from ohwb_engage.privacy.forms import SubjectForm

bp = Blueprint("privacy", __name__, url_prefix="/admin/data-requests")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index() -> str | WerkzeugResponse:
    form = SubjectForm()
    held = None
    erased = None
    if form.validate_on_submit():
        action = request.form.get("action", "find")
        email = form.email.data
        if action in ("export-json", "export-csv"):
            filename, mimetype, body = services.export(
                email, "csv" if action == "export-csv" else "json", actor=acting_user()
            )
            return Response(
                body,
                mimetype=mimetype,
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                },
            )
        if action == "erase":
            if not form.confirm.data:
                form.confirm.errors = ["Confirm that you want to erase this person's data"]
                held = services.find(email, actor=acting_user())
            else:
                erased = services.erase(email, actor=acting_user())
                flash(
                    "Erased: "
                    f"{erased.registrations} registrations anonymised, "
                    f"{erased.invitations} invitations forgotten, "
                    f"{erased.responses} responses deleted, "
                    f"{erased.emails} e-mails blanked.",
                    "success",
                )
        else:
            held = services.find(email, actor=acting_user())
    return render_template("privacy/index.html", form=form, held=held, erased=erased)
