"""Staff pages for programmes and their roadmap items.

Access: analysts and administrators only. The roadmap shows each item's evidence with
representative quotes, which are raw responses, and only analysts and admins see raw
responses; facilitators get 403 here (they see their own events' results elsewhere) and
read the published public page like anyone else.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ohwb_engage.accounts.access import acting_user, roles_required
from ohwb_engage.accounts.models import Role
from ohwb_engage.extensions import db
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap import public, services
from ohwb_engage.roadmap.blueprint import bp
from ohwb_engage.roadmap.forms import ConfirmForm, ItemForm, ProgrammeForm, ReferenceForm
from ohwb_engage.roadmap.models import Horizon, Programme, Reference, RoadmapItem

EDITORS = (Role.ADMIN, Role.ANALYST)
editors_required = roles_required(*EDITORS)


def _error_to(form: FlaskForm, exc: services.RoadmapError) -> None:
    """Put a domain error on its field (the error summary links to it), else on the title."""
    field = getattr(form, exc.field or "", None) or form.title
    field.errors = [*field.errors, str(exc)]


def _conflict(
    exc: services.EditConflict, template: str, status: int = 409, **context: object
) -> tuple[str, int]:
    flash(str(exc), "error")
    return render_template(template, **context), status


# Programmes -------------------------------------------------------------------------------


@bp.get("/")
@editors_required
def programmes() -> str:
    return render_template(
        "roadmap/items/programmes.html", programmes=services.programmes(), confirm=ConfirmForm()
    )


def _programme_form(programme: Programme | None = None, *, fresh: bool = False) -> ProgrammeForm:
    """The form as posted, or (``fresh``) drawn from what is saved, with its version."""
    form = ProgrammeForm(formdata=None, obj=programme) if fresh else ProgrammeForm(obj=programme)
    form.framework_id.choices = [("", "No framework yet"), *services.framework_choices()]
    if programme is not None and (fresh or request.method == "GET"):
        form.lock_version.data = programme.lock_version
    return form


def _programme_details(form: ProgrammeForm) -> services.ProgrammeDetails:
    return services.ProgrammeDetails(
        title=form.title.data,
        summary=form.summary.data or "",
        framework_id=form.framework_id.data,
        slug=form.slug.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@editors_required
def create_programme() -> str | Response:
    form = _programme_form()
    if form.validate_on_submit():
        try:
            programme = services.create_programme(_programme_details(form), actor=acting_user())
        except services.RoadmapError as exc:
            _error_to(form, exc)
        else:
            flash("Programme created. Add its roadmap items.", "success")
            return redirect(url_for("roadmap.roadmap", programme_id=programme.id))
    return render_template("roadmap/items/programme_form.html", form=form, programme=None)


@bp.route("/<int:programme_id>/edit", methods=["GET", "POST"])
@editors_required
def edit_programme(programme_id: int) -> str | Response | tuple:
    programme = db.get_or_404(Programme, programme_id)
    form = _programme_form(programme)
    if form.validate_on_submit():
        try:
            services.update_programme(
                programme.id,
                _programme_details(form),
                form.lock_version.data,
                actor=acting_user(),
            )
        except services.EditConflict as exc:
            fresh = db.get_or_404(Programme, programme_id)  # what is saved now
            return _conflict(
                exc,
                "roadmap/items/programme_form.html",
                form=_programme_form(fresh, fresh=True),
                programme=fresh,
            )
        except services.RoadmapError as exc:
            _error_to(form, exc)
        else:
            flash("Programme saved.", "success")
            return redirect(url_for("roadmap.roadmap", programme_id=programme.id))
    return render_template("roadmap/items/programme_form.html", form=form, programme=programme)


@bp.get("/<int:programme_id>")
@editors_required
def roadmap(programme_id: int) -> str:
    programme = db.get_or_404(Programme, programme_id)
    rows = tree.flatten(programme.items)
    by_horizon = {
        horizon: [row for row in rows if row.item.horizon == horizon.value]  # type: ignore[attr-defined]
        for horizon in Horizon
    }
    evidence = {row.item.id: services.item_evidence(row.item) for row in rows}  # type: ignore[arg-type]
    return render_template(
        "roadmap/items/roadmap.html",
        programme=programme,
        rows=rows,
        by_horizon=by_horizon,
        children=tree.children_of(programme.items),
        progress={row.item.id: row.progress for row in rows},
        evidence=evidence,
        confirm=ConfirmForm(),
    )


@bp.get("/<int:programme_id>/preview")
@editors_required
def preview(programme_id: int) -> str:
    """The public page as it would look now, published or not."""
    programme = db.get_or_404(Programme, programme_id)
    return render_template(
        "roadmap/public/programme.html",
        page=public.page_for(programme),
        small_count=public.SMALL_COUNT,
        preview=True,
    )


@bp.post("/<int:programme_id>/<any(publish, unpublish):action>")
@editors_required
def publication(programme_id: int, action: str) -> Response:
    db.get_or_404(Programme, programme_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "publish":
            result = public.publish(programme_id, actor=acting_user())
            told = f" {result.notified} participants who asked to hear were e-mailed."
            flash(
                ("Public page published." if result.first_time else "Public page updated.") + told,
                "success",
            )
        else:
            public.unpublish(programme_id, actor=acting_user())
            flash("Public page taken down. Publishing again e-mails nobody twice.", "success")
    except services.RoadmapError as exc:
        flash(str(exc), "error")
    return redirect(url_for("roadmap.roadmap", programme_id=programme_id))


# Items ------------------------------------------------------------------------------------


def _item_form(
    programme: Programme, item: RoadmapItem | None = None, *, fresh: bool = False
) -> ItemForm:
    form = ItemForm(formdata=None, obj=item) if fresh else ItemForm(obj=item)
    form.parent_id.choices = [("", "Top level"), *services.parent_choices(programme, item)]
    form.theme_ids.choices = services.theme_choices(programme)
    if item is not None and (fresh or request.method == "GET"):
        form.lock_version.data = item.lock_version
        form.theme_ids.data = [t.id for t in item.themes]
    if item is None and request.method == "GET":
        form.horizon.data = Horizon.SHORT.value
        form.status.data = "proposed"
        form.parent_id.data = request.args.get("parent", type=int)
    return form


def _item_details(form: ItemForm) -> services.ItemDetails:
    return services.ItemDetails(
        title=form.title.data,
        description=form.description.data or "",
        horizon=form.horizon.data,
        owner=form.owner.data or "",
        status=form.status.data,
        progress=form.progress.data,
        parent_id=form.parent_id.data,
        theme_ids=tuple(form.theme_ids.data or ()),
    )


@bp.route("/<int:programme_id>/items/new", methods=["GET", "POST"])
@editors_required
def create_item(programme_id: int) -> str | Response:
    programme = db.get_or_404(Programme, programme_id)
    form = _item_form(programme)
    if form.validate_on_submit():
        try:
            item = services.create_item(programme.id, _item_details(form), actor=acting_user())
        except services.RoadmapError as exc:
            _error_to(form, exc)
        else:
            flash("Item added to the roadmap.", "success")
            return redirect(url_for("roadmap.item", item_id=item.id))
    return render_template(
        "roadmap/items/item_form.html", form=form, programme=programme, item=None
    )


def _item_page(found: RoadmapItem, reference_form: ReferenceForm, **extra: object) -> str:
    programme = found.programme
    return render_template(
        "roadmap/items/item.html",
        item=found,
        programme=programme,
        progress=tree.rolled_up(programme.items),
        children=tree.children_of(programme.items).get(found.id, []),
        evidence=services.item_evidence(found),
        reference_form=reference_form,
        confirm=ConfirmForm(),
        **extra,
    )


@bp.get("/items/<int:item_id>")
@editors_required
def item(item_id: int) -> str:
    return _item_page(db.get_or_404(RoadmapItem, item_id), ReferenceForm(formdata=None))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@editors_required
def edit_item(item_id: int) -> str | Response | tuple:
    found = db.get_or_404(RoadmapItem, item_id)
    programme = found.programme
    form = _item_form(programme, found)
    if form.validate_on_submit():
        try:
            services.update_item(
                found.id, _item_details(form), form.lock_version.data, actor=acting_user()
            )
        except services.EditConflict as exc:
            db.session.expire_all()
            fresh = db.get_or_404(RoadmapItem, item_id)
            return _conflict(
                exc,
                "roadmap/items/item_form.html",
                form=_item_form(fresh.programme, fresh, fresh=True),
                programme=fresh.programme,
                item=fresh,
            )
        except services.NotFound:
            abort(404)
        except services.RoadmapError as exc:
            _error_to(form, exc)
        else:
            flash("Item saved.", "success")
            return redirect(url_for("roadmap.item", item_id=item_id))
    return render_template(
        "roadmap/items/item_form.html", form=form, programme=programme, item=found
    )


@bp.route("/items/<int:item_id>/delete", methods=["GET", "POST"])
@editors_required
def delete_item(item_id: int) -> str | Response:
    found = db.get_or_404(RoadmapItem, item_id)
    form = ConfirmForm()
    if request.method == "GET":
        form.lock_version.data = found.lock_version
    elif form.validate_on_submit():
        try:
            programme_id = services.delete_item(
                found.id, form.lock_version.data, actor=acting_user()
            )
        except services.NotFound:
            abort(404)
        except services.EditConflict as exc:
            flash(str(exc), "error")
            return redirect(url_for("roadmap.item", item_id=item_id))
        flash("Item deleted. Any sub-items moved up a level.", "success")
        return redirect(url_for("roadmap.roadmap", programme_id=programme_id))
    return render_template("roadmap/items/delete.html", item=found, form=form)


@bp.post("/items/<int:item_id>/move/<any(up, down):direction>")
@editors_required
def move_item(item_id: int, direction: str) -> Response:
    db.get_or_404(RoadmapItem, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        programme_id = services.move_item(item_id, direction, actor=acting_user())
    except services.NotFound:
        abort(404)
    return redirect(url_for("roadmap.roadmap", programme_id=programme_id) + f"#item-{item_id}")


# References -------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/references")
@editors_required
def add_reference(item_id: int) -> str | Response | tuple:
    found = db.get_or_404(RoadmapItem, item_id)
    form = ReferenceForm()
    if form.validate_on_submit():
        details = services.ReferenceDetails(
            kind=form.kind.data,
            title=form.title.data,
            authors=form.authors.data or "",
            year=form.year.data,
            url=form.url.data or "",
            note=form.note.data or "",
        )
        try:
            services.add_reference(found.id, details, actor=acting_user())
        except services.NotFound:
            abort(404)
        except services.RoadmapError as exc:
            _error_to(form, exc)
        else:
            flash("Reference added.", "success")
            return redirect(url_for("roadmap.item", item_id=item_id) + "#references")
    return _item_page(found, form, form=form), 400


@bp.post("/references/<int:reference_id>/delete")
@editors_required
def delete_reference(reference_id: int) -> Response:
    db.get_or_404(Reference, reference_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        item_id = services.delete_reference(reference_id, actor=acting_user())
    except services.NotFound:
        abort(404)
    flash("Reference removed.", "success")
    return redirect(url_for("roadmap.item", item_id=item_id) + "#references")
