"""Admin pages for the stakeholder group list that registration and feedback forms offer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ohwb_engage.accounts.access import acting_user, admin_required
from ohwb_engage.extensions import db
from ohwb_engage.reference import services
from ohwb_engage.reference.forms import GroupForm
from ohwb_engage.reference.models import StakeholderGroup

bp = Blueprint("reference", __name__, url_prefix="/admin/stakeholder-groups")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def groups() -> str | Response:
    form = GroupForm()
    if form.validate_on_submit():
        try:
            services.add_group(form.name.data, actor=acting_user())
        except services.ReferenceError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Added “{form.name.data}”.", "success")
            return redirect(url_for("reference.groups"))
    services.stakeholder_group_choices()  # a fresh database gets the default list
    return render_template(
        "reference/groups.html", form=form, groups=services.stakeholder_groups(True)
    )


@bp.route("/<int:group_id>", methods=["GET", "POST"])
@admin_required
def edit(group_id: int) -> str | Response:
    group = db.get_or_404(StakeholderGroup, group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            services.update_group(group, form.name.data, form.active.data, actor=acting_user())
        except services.ReferenceError as exc:
            form.name.errors.append(str(exc))
        else:
            flash("Group saved.", "success")
            return redirect(url_for("reference.groups"))
    return render_template("reference/edit.html", form=form, group=group)


@bp.post("/<int:group_id>/<any(up, down):direction>")
@admin_required
def move(group_id: int, direction: str) -> Response:
    group = db.get_or_404(StakeholderGroup, group_id)
    services.move_group(group, -1 if direction == "up" else 1, actor=acting_user())
    return redirect(url_for("reference.groups"))
