"""Admin: made-to-order pairs. The board (fitting pairs to send, fit results to
confirm, production by due date, loaners not back), one pair's page with what can
be done next, its labels, and (admins) the lead-time notices.

Every view parses, calls one service of ``services.made_to_order``, commits once and
redirects (303, or HX-Redirect for htmx); a refused request rolls back and shows the
page again with 422 and the message beside the field, keeping what was typed.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.access import admin_required
from ally_web.blueprints.admin.made_to_order_forms import ConfirmFitForm, FittingPairForm, MarkMadeForm, NoticeForm
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.errors import DomainError
from ally_web.downloads import private_file
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.models import OrderLine
from ally_web.services import made_to_order, orders


def _line(line_id: int) -> OrderLine:
    line = made_to_order.get_line(line_id)
    if line is None:
        abort(404)
    return line


def _refused(error: DomainError, form) -> str | None:
    """Roll back; put the message beside its field, or return it for the page top."""
    db.session.rollback()
    field = form[error.field] if error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return None
    return error.message


@bp.get("/made-to-order")
def made_to_order_board():
    return render(
        "admin/made_to_order.html",
        to_send=made_to_order.awaiting_fitting_pairs(),
        fit_queue=made_to_order.fit_queue(),
        board=made_to_order.production_board(),
        loaners=made_to_order.fitting_pairs_out(),
        logout_form=LogoutForm(),
    )


def _line_page(line: OrderLine, status: int = 200, *, fitting_form: FittingPairForm | None = None,
               confirm_form: ConfirmFitForm | None = None, error: str | None = None):
    result = line.fit_result
    if confirm_form is None:
        confirm_form = ConfirmFitForm(formdata=None)
        if result is not None:
            confirm_form.size.data = str(result.chosen_size_halves)
            confirm_form.width.data = result.chosen_width
    return render(
        "admin/made_to_order_line.html", status=status,
        line=line, order=line.order, result=result, earlier=made_to_order.earlier_answers(result), error=error,
        questions=made_to_order.QUESTIONS, feet=made_to_order.FEET, answer_words=made_to_order.answer_words,
        fitting_form=fitting_form or FittingPairForm(formdata=None),
        confirm_form=confirm_form, made_form=MarkMadeForm(formdata=None),
        events=[e for e in line.order.events if (e.params or {}).get("line_id") == line.id],
        logout_form=LogoutForm(),
    )


@bp.get("/made-to-order/<id:line_id>")
def made_to_order_line(line_id: int):
    return _line_page(_line(line_id))


@bp.post("/made-to-order/<id:line_id>/fitting-pair")
def fitting_pair_ship(line_id: int):
    line = _line(line_id)
    form = FittingPairForm()
    if not form.validate_on_submit():
        return _line_page(line, 422, fitting_form=form)
    try:
        shipment = made_to_order.ship_fitting_pair(line, form.carrier.data, form.tracking_number.data,
                                                   form.return_tracking_number.data, current_user.actor)
    except DomainError as error:
        return _line_page(line, 422, fitting_form=form, error=_refused(error, form))
    db.session.commit()
    flash(f"Fitting pair sent by {shipment.carrier} ({shipment.tracking_number}); the customer has been emailed "
          "how to try it and send it back. Print both labels below.", "success")
    return hx_redirect(url_for("admin.made_to_order_line", line_id=line_id))


@bp.post("/made-to-order/<id:line_id>/confirm-fit")
def fit_confirm(line_id: int):
    line = _line(line_id)
    form = ConfirmFitForm()
    if not form.validate_on_submit():
        return _line_page(line, 422, confirm_form=form)
    try:
        due = made_to_order.confirm_fit(line, form.size_halves(), form.width.data, form.note.data or "",
                                        current_user.actor)
    except DomainError as error:
        return _line_page(line, 422, confirm_form=form, error=_refused(error, form))
    db.session.commit()
    flash(f"Fit confirmed: in production, due {due.ships_by:%a %b} {due.ships_by.day}. "
          "The customer has been emailed the date.", "success")
    return hx_redirect(url_for("admin.made_to_order_line", line_id=line_id))


@bp.post("/made-to-order/<id:line_id>/made")
def pair_made(line_id: int):
    line = _line(line_id)
    form = MarkMadeForm()
    if not form.validate_on_submit():
        return _line_page(line, 422, error="The form expired; please try again.")
    try:
        made_to_order.mark_made(line, current_user.actor)
    except DomainError as error:
        return _line_page(line, 422, error=_refused(error, form))
    db.session.commit()
    flash("Marked made. Ship it from the order page with the order's other ready pairs.", "success")
    return hx_redirect(url_for("admin.order_detail", order_id=line.order_id))


def _label(line: OrderLine, shipment, name: str):
    if shipment is None:
        abort(404)
    return private_file(orders.label_pdf(shipment), f"ALLY-{line.order.number}-{name}.pdf")


@bp.get("/made-to-order/<id:line_id>/fitting-label.pdf")
def fitting_label(line_id: int):
    line = _line(line_id)
    return _label(line, line.fitting_shipment, "fitting-pair")


@bp.get("/made-to-order/<id:line_id>/return-label.pdf")
def fitting_return_label(line_id: int):
    """The prepaid return label that goes in the fitting pair's box."""
    line = _line(line_id)
    return _label(line, line.fitting_return, "fitting-pair-return")


# --- Lead-time notices (admins) -------------------------------------------------------------


def _notices_page(form: NoticeForm, notice_id: int | None = None, status: int = 200, error: str | None = None):
    return render("admin/notices.html", status=status, form=form, notice_id=notice_id, error=error,
                  notices=made_to_order.list_notices(), logout_form=LogoutForm())


@bp.get("/notices")
@admin_required
def notices_list():
    return _notices_page(NoticeForm(formdata=None))


@bp.get("/notices/<id:notice_id>")
@admin_required
def notice_edit(notice_id: int):
    notice = made_to_order.get_notice(notice_id)
    if notice is None:
        abort(404)
    return _notices_page(NoticeForm(formdata=None, obj=notice), notice_id)


@bp.post("/notices", defaults={"notice_id": None})
@bp.post("/notices/<id:notice_id>")
@admin_required
def notice_save(notice_id: int | None):
    notice = made_to_order.get_notice(notice_id) if notice_id is not None else None
    if notice_id is not None and notice is None:
        abort(404)
    form = NoticeForm()
    if not form.validate_on_submit():
        return _notices_page(form, notice_id, 422)
    try:
        saved, moved = made_to_order.save_notice(notice, form.notice_input(), current_user.actor)
    except made_to_order.NoticeInvalid as invalid:
        db.session.rollback()
        for name, message in invalid.errors.items():
            form[name].errors = [*form[name].errors, message]
        return _notices_page(form, notice_id, 422, invalid.message)
    db.session.commit()
    told = f" {moved} pair{'s' if moved != 1 else ''} in production got a new date; their customers were emailed." \
        if moved else " No pair in production changed date."
    flash(f"“{saved.title}” saved.{told}", "success")
    return hx_redirect(url_for("admin.notices_list"))
