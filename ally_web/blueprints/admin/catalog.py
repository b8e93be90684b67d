"""Staff: the catalog and its stock.

Stylists and admins book stock movements, count the shelf and import count files;
only admins add or edit styles and colours, change prices and hide or show.
"""

from __future__ import annotations

from flask import Response, abort, flash, request, url_for
from flask_login import current_user

from ally_web import policy
from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.access import admin_required
from ally_web.blueprints.admin.catalog_forms import (
    ApplyCountForm,
    ColourForm,
    CountFileForm,
    CountForm,
    MoveForm,
    PriceForm,
    SizesForm,
    StyleForm,
    VisibilityForm,
    price_cents,
)
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core import clock
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.pagination import requested_page
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.services import catalog


def _page_number() -> int:
    number = requested_page(request.args.get("page", "1"))
    if number is None:
        abort(404)
    return number


def _or_404(load, *args):
    try:
        return load(*args)
    except NotFound:
        abort(404)


def _put_error(form, error: DomainError, default: str) -> None:
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]


# --- The catalog and a style ------------------------------------------------------------


@bp.get("/catalog")
def catalog_index():
    return render("admin/catalog.html", styles=catalog.catalog_styles(), logout_form=LogoutForm(),
                  widths=policy.WIDTHS)


def _style_page(style, status: int = 200, block: str | None = None, **forms):
    forms.setdefault("style_form", StyleForm(formdata=None, obj=style))
    forms.setdefault("price_form", PriceForm(formdata=None))
    forms.setdefault("colour_form", ColourForm(formdata=None))
    return render("admin/catalog_style.html", block=block, status=status, style=style, widths=policy.WIDTHS,
                  visibility_form=VisibilityForm(formdata=None), logout_form=LogoutForm(), **forms)


@bp.get("/catalog/styles/<id:style_id>")
def catalog_style(style_id: int):
    return _style_page(_or_404(catalog.get_style_for_staff, style_id))


def _style_input(form: StyleForm) -> catalog.StyleInput:
    return catalog.StyleInput(
        name=form.name.data, tagline=form.tagline.data, description=form.description.data,
        facts=form.facts.data or "", heel_height_mm=form.heel_height_mm.data, material=form.material.data,
        care_notes=form.care_notes.data or "", trial_eligible=form.trial_eligible.data,
    )


@bp.get("/catalog/styles/new")
@admin_required
def catalog_style_new():
    return render("admin/catalog_style_new.html", form=StyleForm(formdata=None), logout_form=LogoutForm())


@bp.post("/catalog/styles")
@admin_required
def catalog_style_create():
    form = StyleForm()
    if form.validate_on_submit():
        cents = price_cents(form.price.data)
        if cents is None:
            form.price.errors = ["Please enter the price, e.g. 295."]
        else:
            try:
                style = catalog.add_style(_style_input(form), cents, current_user.actor)
            except DomainError as error:
                _put_error(form, error, "name")
            else:
                db.session.commit()
                flash(f"{style.name} is added. Add its first colour: it shows in the shop once it has one.",
                      "success")
                return hx_redirect(url_for("admin.catalog_style", style_id=style.id))
    return render("admin/catalog_style_new.html", status=422, form=form, logout_form=LogoutForm())


@bp.post("/catalog/styles/<id:style_id>")
@admin_required
def catalog_style_edit(style_id: int):
    style = _or_404(catalog.get_style_for_staff, style_id)
    form = StyleForm()
    if form.validate_on_submit():
        try:
            catalog.edit_style(style, _style_input(form), current_user.actor)
        except DomainError as error:
            _put_error(form, error, "name")
        else:
            db.session.commit()
            flash("The style is saved.", "success")
            return hx_redirect(url_for("admin.catalog_style", style_id=style.id))
    return _style_page(style, 422, style_form=form)


@bp.post("/catalog/styles/<id:style_id>/price")
@admin_required
def catalog_style_price(style_id: int):
    style = _or_404(catalog.get_style_for_staff, style_id)
    form = PriceForm()
    if form.validate_on_submit():
        cents = price_cents(form.price.data)
        try:
            if cents is None:  # only spaces typed
                raise DomainError("Please enter the new price.", field="price")
            catalog.change_price(style, cents, current_user.actor)
        except DomainError as error:
            _put_error(form, error, "price")
        else:
            db.session.commit()
            flash(f"{style.name} now costs {form.price.data.strip().lstrip('$')} US$; carts show it at once, "
                  "placed orders and checkouts under way keep their price.", "success")
            return hx_redirect(url_for("admin.catalog_style", style_id=style.id))
    return _style_page(style, 422, block="price_form", price_form=form)


def _visibility(subject, back: str) -> Response:
    form = VisibilityForm()
    if not form.validate_on_submit() or form.hidden.data not in ("0", "1"):
        abort(400)
    catalog.set_hidden(subject, form.hidden.data == "1", current_user.actor)
    db.session.commit()
    flash(f"{subject.name} is {'hidden from' if subject.hidden else 'shown in'} the shop.", "success")
    return hx_redirect(back)


@bp.post("/catalog/styles/<id:style_id>/visibility")
@admin_required
def catalog_style_visibility(style_id: int):
    style = _or_404(catalog.get_style_for_staff, style_id)
    return _visibility(style, url_for("admin.catalog_style", style_id=style.id))


# --- Colours --------------------------------------------------------------------------


def _colour_input(form: ColourForm) -> catalog.ColourInput:
    return catalog.ColourInput(name=form.name.data, hex=form.hex.data,
                               price_cents=price_cents(form.price.data) if (form.price.data or "").strip() else None)


def _uploaded(form: ColourForm, required: bool) -> catalog.CleanPicture | None:
    """The uploaded picture, checked and cleaned but not yet written; None when none was sent."""
    upload = form.picture.data
    data = upload.read(policy.COLOUR_PICTURE_MAX_BYTES + 1) if hasattr(upload, "read") else b""
    if not data and not required:
        return None
    if not data:
        raise DomainError("Please choose a picture of the colour (SVG, PNG or JPEG).", field="picture")
    return catalog.clean_picture(data)


@bp.post("/catalog/styles/<id:style_id>/colours")
@admin_required
def catalog_colour_create(style_id: int):
    style = _or_404(catalog.get_style_for_staff, style_id)
    form = ColourForm()
    if form.validate_on_submit():
        try:
            picture = _uploaded(form, required=True)
            assert picture is not None
            colour = catalog.add_colour(style, _colour_input(form), picture, current_user.actor)
        except DomainError as error:
            db.session.rollback()
            _put_error(form, error, "name")
        else:
            db.session.commit()
            flash(f"{colour.name} is added in every size, made to order until stock is received.", "success")
            return hx_redirect(url_for("admin.catalog_colour", colour_id=colour.id))
    return _style_page(catalog.get_style_for_staff(style_id), 422, colour_form=form)


def _colour_page(colour, status: int = 200, form: ColourForm | None = None, sizes_error: str | None = None):
    offered = {(v.size_halves, v.width) for v in colour.variants if not v.hidden}
    return render(
        "admin/catalog_colour.html", status=status, colour=colour, style=colour.style,
        form=form or ColourForm(formdata=None, obj=colour, price=(f"{colour.price_cents / 100:.2f}"
                                                                  if colour.price_cents is not None else "")),
        sizes_form=SizesForm(formdata=None), visibility_form=VisibilityForm(formdata=None), offered=offered,
        sizes=policy.SIZE_HALVES, widths=policy.WIDTHS, sizes_error=sizes_error,
        logout_form=LogoutForm(),
    )


@bp.get("/catalog/colours/<id:colour_id>")
def catalog_colour(colour_id: int):
    return _colour_page(_or_404(catalog.get_colour, colour_id))


@bp.post("/catalog/colours/<id:colour_id>")
@admin_required
def catalog_colour_edit(colour_id: int):
    colour = _or_404(catalog.get_colour, colour_id)
    form = ColourForm()
    if form.validate_on_submit():
        try:
            catalog.edit_colour(colour, _colour_input(form), _uploaded(form, required=False), current_user.actor)
        except DomainError as error:
            db.session.rollback()
            colour = catalog.get_colour(colour_id)
            _put_error(form, error, "name")
        else:
            db.session.commit()
            flash("The colour is saved.", "success")
            return hx_redirect(url_for("admin.catalog_colour", colour_id=colour.id))
    return _colour_page(colour, 422, form=form)


@bp.post("/catalog/colours/<id:colour_id>/sizes")
@admin_required
def catalog_colour_sizes(colour_id: int):
    colour = _or_404(catalog.get_colour, colour_id)
    form = SizesForm()
    if not form.validate_on_submit():
        abort(400)
    offered: set[tuple[int, str]] = set()
    for key in request.form.getlist("offered"):
        halves, _, width = key.partition("-")
        if not (halves.isascii() and halves.isdigit() and len(halves) <= 2):
            return _colour_page(colour, 422, sizes_error="Choose sizes from the grid.")
        offered.add((int(halves), width))
    try:
        catalog.set_sizes_offered(colour, offered, current_user.actor)
    except DomainError as error:
        return _colour_page(colour, 422, sizes_error=error.message)
    db.session.commit()
    flash("The sizes offered are saved.", "success")
    return hx_redirect(url_for("admin.catalog_colour", colour_id=colour.id))


@bp.post("/catalog/colours/<id:colour_id>/visibility")
@admin_required
def catalog_colour_visibility(colour_id: int):
    colour = _or_404(catalog.get_colour, colour_id)
    return _visibility(colour, url_for("admin.catalog_colour", colour_id=colour.id))


# --- A variant's stock and ledger -------------------------------------------------------


def _variant_page(variant, status: int = 200, move_form: MoveForm | None = None,
                  count_form: CountForm | None = None, block: str | None = None):
    return render(
        "admin/catalog_variant.html", block=block, status=status, variant=variant, label=catalog.variant_label(variant),
        move_form=move_form or MoveForm(formdata=None),
        count_form=count_form or CountForm(formdata=None, seen=str(variant.stock)),
        history=catalog.stock_history(variant.id, _page_number()), reasons=catalog.REASON_LABELS,
        logout_form=LogoutForm(),
    )


@bp.get("/catalog/variants/<id:variant_id>")
def catalog_variant(variant_id: int):
    return _variant_page(_or_404(catalog.get_variant, variant_id))


@bp.post("/catalog/variants/<id:variant_id>/move")
def catalog_variant_move(variant_id: int):
    variant = _or_404(catalog.get_variant, variant_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            movement = catalog.move_stock(variant.id, form.reason.data, form.pairs.data, form.note.data or "",
                                          current_user.actor)
        except DomainError as error:
            _put_error(form, error, "pairs")
        else:
            db.session.commit()
            flash(f"Booked: {movement.change:+d}, {movement.resulting} on the shelf now.", "success")
            return hx_redirect(url_for("admin.catalog_variant", variant_id=variant.id))
    return _variant_page(variant, 422, move_form=form, block="move_form")


@bp.post("/catalog/variants/<id:variant_id>/count")
def catalog_variant_count(variant_id: int):
    variant = _or_404(catalog.get_variant, variant_id)
    form = CountForm()
    seen = form.seen.data or ""
    if not (seen.isascii() and seen.isdigit() and len(seen) <= 9):
        abort(400)
    if form.validate_on_submit():
        try:
            movement = catalog.count_stock(variant.id, form.counted.data, int(seen), form.count_note.data or "",
                                           current_user.actor)
        except DomainError as error:
            _put_error(form, error, "counted")
            form.seen.data = str(variant.stock)  # the next try starts from the count as it is now
        else:
            db.session.commit()
            flash(f"Counted: {movement.resulting} on the shelf ({movement.change:+d}).", "success")
            return hx_redirect(url_for("admin.catalog_variant", variant_id=variant.id))
    return _variant_page(variant, 422, count_form=form, block="count_form")


# --- Counts by file --------------------------------------------------------------------


@bp.get("/catalog/stock.csv")
def catalog_stock_csv():
    response = Response(catalog.export_stock_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ally-stock-{clock.now().date().isoformat()}.csv"')
    return response


@bp.get("/catalog/counts")
def catalog_counts():
    return render("admin/catalog_counts.html", form=CountFileForm(formdata=None), preview=None,
                  logout_form=LogoutForm())


@bp.post("/catalog/counts/preview")
def catalog_counts_preview():
    form = CountFileForm()
    preview = None
    apply_form = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(policy.COUNT_FILE_MAX_BYTES + 1) if hasattr(upload, "read") else b""
        try:
            preview = catalog.preview_count_file(data)
        except DomainError as error:
            form.file.errors = [error.message]
        else:
            apply_form = ApplyCountForm(formdata=None,
                                        plan=preview.signed_plan(getattr(upload, "filename", "") or ""))
    status = 200 if preview is not None and not preview.errors else 422
    return render("admin/catalog_counts.html", status=status, form=form, preview=preview, apply_form=apply_form,
                  logout_form=LogoutForm())


@bp.post("/catalog/counts/apply")
def catalog_counts_apply():
    form = ApplyCountForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = catalog.apply_count_file(form.plan.data or "", current_user.actor)
    except catalog.PlanRefused:
        db.session.rollback()
        abort(400)  # not a plan a preview signed: nothing was read or written
    except DomainError as error:  # counts moved since the preview (CountsMoved)
        db.session.rollback()
        upload_form = CountFileForm(formdata=None)
        upload_form.file.errors = [error.message]
        return render("admin/catalog_counts.html", status=409, form=upload_form, preview=None,
                      logout_form=LogoutForm())
    db.session.commit()
    flash(f"Counts applied: {changed} size{'' if changed == 1 else 's'} changed, each in its ledger.", "success")
    return hx_redirect(url_for("admin.catalog_index"))
