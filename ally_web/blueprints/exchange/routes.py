"""/exchange: a customer sends pairs back, or tells us how they fit.

Reached with email and order number through the order lookup (its rate limits and
identical answers), or from the order's status page (its signed link). The request
then has a page of its own, at an unguessable address, with the label or the
tracking form.
"""

from __future__ import annotations

import re
from functools import wraps

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ally_web import policy
from ally_web.blueprints.exchange import bp
from ally_web.blueprints.orders.forms import EXCHANGE, LookupForm
from ally_web.core.actors import CUSTOMER
from ally_web.core.errors import DomainError
from ally_web.downloads import private_file
from ally_web.extensions import db
from ally_web.gateways.carriers import ALLY_STUDIO, carrier_names, qr_svg
from ally_web.htmx import hx_redirect, is_partial, render
from ally_web.models import Order, ReturnRequest
from ally_web.order_links import with_order_link
from ally_web.services import orders, returns

_QUANTITY = re.compile(r"[0-9]{1,2}")


with_order = with_order_link(
    "exchange.start", expired="That link has expired. Please find your order again.",
    invalid="That link isn't valid. Please find your order with your email and order number.")


def with_request(view):
    @wraps(view)
    def wrapped(token: str, **kwargs):
        found = returns.find_request(token)
        if found is None:
            abort(404)
        return view(found, **kwargs)

    return wrapped


@bp.url_value_preprocessor
def allow_photos(endpoint: str | None, values: dict | None) -> None:
    """The request form may carry photos: it alone may be larger than the 1 MB every
    other form stops at. Set before anything reads the body (the CSRF check does)."""
    if endpoint == "exchange.create":
        request.max_content_length = policy.RETURN_REQUEST_MAX_BYTES


@bp.get("/exchange")
def start():
    return render("orders/lookup.html", form=LookupForm(formdata=None, then=EXCHANGE))


def _given(order: Order) -> returns.RequestInput:
    """The form as typed, line by line."""
    form = request.form
    items = []
    for line in order.lines:
        raw = form.get(f"quantity-{line.id}", "1").strip()
        items.append(returns.ItemInput(
            line_id=line.id, action=form.get(f"action-{line.id}", "")[:20],
            quantity=int(raw) if _QUANTITY.fullmatch(raw) else 0,
            reason=form.get(f"reason-{line.id}", "")[:30], note=form.get(f"note-{line.id}", ""),
            exchange=form.get(f"exchange-{line.id}", "")[:10],
            photos=returns.read_uploads(request.files.getlist(f"photos-{line.id}")),
        ))
    return returns.RequestInput(items=items, conditions=set(form.getlist("conditions")))


def _options(order: Order) -> tuple[dict[int, list[returns.Option]], dict[int, bool]]:
    """Each line's exchange sizes for the reason typed so far, and whether the first
    one is the reason's suggestion."""
    options, pointed = {}, {}
    for line in order.lines:
        reason = request.form.get(f"reason-{line.id}") if request.method == "POST" else None
        options[line.id] = returns.exchange_options(line, reason)
        pointed[line.id] = returns.suggested(line, reason) is not None
    return options, pointed


def _form_page(order: Order, link: str, status: int = 200, errors: dict[str, str] | None = None,
               message: str | None = None):
    options, pointed = _options(order)
    return render("exchange/new.html", block="request_form", status=status, order=order, link=link,
                  exchange_options=options, pointed_to=pointed,
                  lines=returns.returnable_lines(order), reasons=returns.REASONS,
                  conditions=returns.CONDITIONS, errors=errors or {}, message=message,
                  typed=request.form if request.method == "POST" else {}, csrf_form=FlaskForm(formdata=None),
                  status_url=url_for("orders.show", link=link))


def trial_boxes_elsewhere(view):
    """A trial box's pairs go back, or change size, from the box's own page and by the
    trial's rules (its window, 24 hours for another size), not by the return rules."""
    @wraps(view)
    def wrapped(order: Order, link: str, **kwargs):
        if order.is_trial:
            flash("This is a trial box: choose what you keep, send back or swap for another size here.", "notice")
            return hx_redirect(url_for("trial.box", link=link))
        return view(order, link, **kwargs)

    return wrapped


@bp.get("/exchange/<link>")
@with_order
@trial_boxes_elsewhere
def new(order: Order, link: str):
    return _form_page(order, link)


@bp.post("/exchange/<link>")
@with_order
@trial_boxes_elsewhere
def create(order: Order, link: str):
    if not FlaskForm().validate_on_submit():
        return _form_page(order, link, 422, message="Your form had expired; your choices are kept. Please send again.")
    try:
        made = returns.create_request(order, _given(order), CUSTOMER)
    except returns.RequestInvalid as invalid:
        db.session.rollback()
        return _form_page(order, link, 422, invalid.errors, invalid.message)
    db.session.commit()
    flash("Thank you: your request is in. Everything you need is below, and in your email.", "success")
    return hx_redirect(url_for("exchange.request_page", token=made.token))


def _request_page(found: ReturnRequest, status: int = 200, errors: dict[str, str] | None = None):
    return make_response(render("exchange/show.html", status=status, req=found, order=found.order,
                                reasons=returns.REASONS, carriers=carrier_names(), studio=ALLY_STUDIO,
                                errors=errors or {},
                                typed=request.form if request.method == "POST" else {},
                                csrf_form=FlaskForm(formdata=None),
                                status_url=orders.status_url(found.order, orders.LOOKUP, external=False)))


@bp.post("/exchange/<link>/options/<id:line_id>")
@with_order
@trial_boxes_elsewhere
def options(order: Order, link: str, line_id: int):
    """The exchange sizes for the reason just chosen (htmx); without JavaScript the
    whole form comes back with them when it is sent."""
    line = next((l for l in order.lines if l.id == line_id), None)
    if line is None:
        abort(404)
    if not is_partial():
        return redirect(url_for("exchange.new", link=link), 303)
    reason = request.form.get(f"reason-{line_id}")
    typed = {k: v for k, v in request.form.items() if k != f"exchange-{line_id}"}  # the suggestion comes first
    return render_template("exchange/_options.html", id=line_id, options=returns.exchange_options(line, reason),
                           pointed=returns.suggested(line, reason) is not None, errors={}, typed=typed)


@bp.get("/exchange/r/<token>")
@with_request
def request_page(found: ReturnRequest):
    return _request_page(found)


@bp.post("/exchange/r/<token>/tracking")
@with_request
def tracking(found: ReturnRequest):
    if not FlaskForm().validate_on_submit():
        return _request_page(found, 422, {"tracking_number": "Your form had expired; please send it again."})
    try:
        returns.add_tracking(found, request.form.get("carrier", ""), request.form.get("tracking_number", ""),
                             CUSTOMER)
    except DomainError as error:
        db.session.rollback()
        return _request_page(found, 422, {error.field or "tracking_number": error.message})
    db.session.commit()
    flash("Thank you: we'll follow your parcel and write when it arrives.", "success")
    return hx_redirect(url_for("exchange.request_page", token=found.token))


@bp.get("/exchange/r/<token>/label.pdf")
@with_request
def label(found: ReturnRequest):
    try:
        pdf = returns.label_pdf(found)
    except DomainError:
        abort(404)
    return private_file(pdf, f"ALLY-return-{found.order.number}.pdf")


@bp.get("/exchange/r/<token>/drop-off.svg")
@with_request
def drop_off_code(found: ReturnRequest):
    if found.shipment is None or found.order.international:
        abort(404)
    return private_file(qr_svg(found.shipment.tracking_number), mimetype="image/svg+xml")
