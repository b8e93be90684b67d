"""Order lookup and the order status page (no sign-in: a signed, expiring link)."""

import json

from flask import abort, current_app, make_response, request, url_for
from flask_limiter.util import get_remote_address
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from ally_web.blueprints.orders import bp
from ally_web.blueprints.orders.forms import LookupForm
from ally_web.blueprints.orders.page_cache import kept_or_rendered
from ally_web.core.actors import CARRIER
from ally_web.core.errors import DomainError
from ally_web.extensions import csrf, db, limiter
from ally_web.gateways.carriers import webhooks as tracking_webhooks
from ally_web.htmx import hx_redirect, is_partial, render
from ally_web.order_links import with_order_link
from ally_web.services import orders, returns


def _lookup_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _number_limit() -> str:
    return current_app.config["LOOKUP_NUMBER_RATE_LIMIT"]


def _typed_number_from_this_address() -> str:
    """Keyed on what was typed, whether or not such an order exists, and on the client
    address: guessing at a number from elsewhere never blocks its owner's lookup."""
    number = orders.normalize_order_number(request.form.get("number", ""))[:20]
    return f"lookup-number:{number}:{get_remote_address()}"


@bp.route("/pages/order-lookup", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
@limiter.limit(_number_limit, methods=["POST"], key_func=_typed_number_from_this_address)
def lookup():
    form = LookupForm()
    if form.validate_on_submit():
        order = orders.find_order(form.email.data, form.number.data)
        if order is not None:
            return hx_redirect(orders.status_url(order, orders.LOOKUP, external=False, endpoint=form.next_page()))
        form.form_errors.append(orders.NOT_FOUND)
    status = 422 if request.method == "POST" else 200
    return render("orders/lookup.html", block="lookup_form", form=form, status=status)


@bp.get("/orders/<link>")
@with_order_link("orders.lookup", expired="That order link has expired. Please look your order up again.",
                 invalid="That order link isn't valid. Please look your order up with your email and order number.",
                 open_link=orders.fingerprint_from_link)
def show(fingerprint: orders.OrderFingerprint, link: str):
    if fingerprint.is_trial:  # a trial box's status lives on its own page, with its window
        return hx_redirect(url_for("trial.box", link=link))
    part = "status_region" if is_partial() else "content"

    def render_order() -> str:
        order = orders.get_order(fingerprint.order_id)
        if order is None:  # orders are never deleted; this one was, since the fingerprint
            abort(404)
        return render_block("orders/show.html", part, order=order, view=orders.status_view(order), link=link,
                            return_requests=returns.requests_for(order), return_words=returns.STATE_WORDS,
                            poll_seconds=current_app.config["ORDER_STATUS_POLL_SECONDS"])

    html = kept_or_rendered(fingerprint, (part, link), render_order)
    if part == "status_region":
        return make_response(html)
    return render("orders/page.html", number=fingerprint.number, content=html)


@bp.post("/webhooks/tracking")
@csrf.exempt
def tracking_webhook():
    """Scans from the carrier-tracking service, signed with a shared secret (HMAC).

    Body: {"event_id", "carrier", "tracking_number", "status", "occurred_at" (ISO 8601
    with offset), "location"}. Repeats change nothing; late scans never move a parcel
    backwards.
    """
    body = request.get_data(cache=False)[:65536]
    if not tracking_webhooks.verify_signature(body, request.headers.get(tracking_webhooks.SIGNATURE_HEADER),
                                     current_app.config["TRACKING_WEBHOOK_SECRET"]):
        abort(400, "Bad signature.")
    try:
        event = json.loads(body)
        scan = orders.parse_event(event)
    except (ValueError, KeyError, TypeError, DomainError):
        abort(400, "Unreadable tracking event.")
    shipment = orders.find_shipment(scan.carrier, scan.tracking_number)
    if shipment is None:
        return {"shipment": None}, 202  # not ours (yet): accepted, nothing to do
    shipment_id = shipment.id
    try:
        moved = orders.record_scan(shipment, scan.kind, scan.at, CARRIER, scan.location, scan.event_id)
        db.session.commit()
    except IntegrityError:
        # A copy of this event racing this one was kept first: a repeat, answered as one.
        db.session.rollback()
        if not orders.scan_event_known(scan.event_id):
            raise
        moved = False
    return {"shipment": shipment_id, "moved": moved}
