"""Admin: find orders, ship their in-stock pairs, print labels, record deliveries and
(admins only) cancel.

Every view parses, calls one service of ``services/orders``, commits once and
redirects (303, or HX-Redirect for htmx); a refused request rolls back and shows the
order page again with 422 and the message beside the field, keeping what was typed.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.access import admin_required
from ally_web.blueprints.admin.order_forms import CancelForm, FulfilForm, ScanForm
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.pagination import PER_PAGE
from ally_web.downloads import private_file
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.models import Order, Shipment, ShipmentPurpose
from ally_web.services import orders, trial

_PARCEL_WORDS = {ShipmentPurpose.FITTING_PAIR: "Fitting pair: ",
                 ShipmentPurpose.FITTING_RETURN: "Fitting pair return: "}


def _actor() -> Actor:
    return current_user.actor


def _load(order_id: int) -> Order:
    order = orders.get_order(order_id)
    if order is None:
        abort(404)
    return order


def _load_shipment(order_id: int, shipment_id: int) -> tuple[Order, Shipment]:
    order = _load(order_id)
    shipment = orders.get_shipment(order, shipment_id)
    if shipment is None:  # unknown, or another order's shipment
        abort(404)
    return order, shipment


def _refused(error: DomainError, form=None) -> str | None:
    """Roll back, put the message beside its field; return it if no field took it."""
    db.session.rollback()
    field = form[error.field] if form is not None and error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return None
    return error.message


def _detail(order_id: int, status: int = 200, *, fulfil_form: FulfilForm | None = None,
            cancel_form: CancelForm | None = None, scan_form: ScanForm | None = None,
            errors: dict[str, str] | None = None):
    order = _load(order_id)
    scan_form = scan_form or ScanForm(formdata=None)
    scan_form.shipment_id.choices = [SelectChoice(str(s.id), f"{_PARCEL_WORDS.get(s.purpose, '')}{s.carrier} "
                                                             f"{s.tracking_number}")
                                     for s in order.shipments if s.delivered_at is None]
    return render(
        "admin/order.html", status=status,
        order=order,
        order_state=orders.order_status(order),
        cancelled=order.cancelled,
        to_fulfil=orders.lines_to_fulfil(order),
        progress={line.id: orders.line_progress(line) for line in order.lines},
        tracking_links={s.id: orders.tracking_url(s) for s in order.shipments},
        shipment_states={s.id: orders.shipment_progress(s) for s in order.shipments},
        fulfil_form=fulfil_form or FulfilForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None),
        scan_form=scan_form,
        errors=errors or {},
        trial_box=trial.box_for_order(order) if order.is_trial else None,
        logout_form=LogoutForm(),
    )


@bp.get("/orders")
def orders_list():
    query = request.args.get("q", "", type=str)[: orders.MAX_QUERY_LENGTH]
    status = orders.parse_status(request.args.get("status"))
    page = orders.search_orders(query, status, orders.parse_page(request.args.get("page")),
                                   per_page=PER_PAGE)
    rows = [(order, orders.order_status(order)) for order in page.items]
    return render(
        "admin/orders.html", block="results",
        q=query, status_filter=status, statuses=orders.STATUS_FILTERS, page=page, rows=rows,
        logout_form=LogoutForm(),
    )


@bp.get("/orders/<id:order_id>")
def order_detail(order_id: int):
    return _detail(order_id)


@bp.post("/orders/<id:order_id>/fulfil")
def order_fulfil(order_id: int):
    order = _load(order_id)
    form = FulfilForm()
    if not form.validate_on_submit():
        return _detail(order_id, 422, fulfil_form=form)
    try:
        shipment = orders.ship_ready_pairs(order, form.carrier.data, form.tracking_number.data, _actor())
    except DomainError as error:
        message = _refused(error, form)
        return _detail(order_id, 422, fulfil_form=form, errors={"fulfil": message} if message else None)
    db.session.commit()
    flash(f"Shipped by {shipment.carrier} ({shipment.tracking_number}); the customer has been emailed.", "success")
    return hx_redirect(url_for("admin.order_detail", order_id=order_id))


@bp.get("/orders/<id:order_id>/shipments/<id:shipment_id>/label.pdf")
def shipment_label(order_id: int, shipment_id: int):
    order, shipment = _load_shipment(order_id, shipment_id)
    try:
        pdf = orders.label_pdf(shipment)
    except DomainError as error:
        return _detail(order_id, 422, errors={"label": _refused(error) or ""})
    return private_file(pdf, f"ALLY-{order.number}-{shipment.carrier}-{shipment.tracking_number}.pdf")


@bp.post("/orders/<id:order_id>/shipments/<id:shipment_id>/delivered")
def shipment_delivered(order_id: int, shipment_id: int):
    _, shipment = _load_shipment(order_id, shipment_id)
    if orders.mark_delivered(shipment, _actor()):
        db.session.commit()
        flash(f"{shipment.carrier} {shipment.tracking_number} marked delivered.", "success")
    else:
        flash(f"{shipment.carrier} {shipment.tracking_number} was already marked delivered.", "info")
    return hx_redirect(url_for("admin.order_detail", order_id=order_id))


@bp.post("/orders/<id:order_id>/cancel")
@admin_required
def order_cancel(order_id: int):
    order = _load(order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(order_id, 422, cancel_form=form)
    try:
        orders.cancel_order(order, _actor(), form.reason.data)
    except DomainError as error:
        message = _refused(error, form)
        return _detail(order_id, 422, cancel_form=form, errors={"cancel": message} if message else None)
    db.session.commit()
    flash(f"Order #{order.number} is cancelled and refunded; the customer has been emailed.", "success")
    return hx_redirect(url_for("admin.order_detail", order_id=order_id))


@bp.post("/orders/<id:order_id>/scans")
def shipment_scan(order_id: int):
    """Record a carrier scan by hand; a delivery scan opens the return window."""
    form = ScanForm()
    if form.validate_on_submit():
        shipment_id = form.shipment_id_value()
        shipment = orders.get_shipment(_load(order_id), shipment_id) if shipment_id else None
        if shipment is None:
            form.shipment_id.errors = ["Please choose one of this order's parcels."]
        else:
            try:
                orders.record_scan(shipment, form.kind.data, clock.now(), _actor(), form.location.data or "")
            except DomainError as error:
                message = _refused(error, form)
                if message:
                    form.kind.errors = [message]
            else:
                db.session.commit()
                flash(f"Scan recorded for {shipment.carrier} {shipment.tracking_number}.", "success")
                return hx_redirect(url_for("admin.order_detail", order_id=order_id))
    return _detail(order_id, 422, scan_form=form)
