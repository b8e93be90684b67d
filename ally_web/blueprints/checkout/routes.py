"""Checkout: one page that works as a plain form; htmx keeps the summary live.

Paying leaves the shop for the provider's hosted page and comes back to
`/checkout/return`, where the payment is confirmed server-side before the order is
placed. The provider's signed webhook reaches the same service.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from ally_web.blueprints.checkout import bp
from ally_web.blueprints.checkout.forms import OTHER_COUNTRY, CheckoutForm, SummaryForm
from ally_web.core import clock
from ally_web.core.actors import PAYMENT_PROVIDER
from ally_web.core.errors import DomainError, NotFound
from ally_web.extensions import csrf, db
from ally_web.gateways.payments import PaymentError, get_gateway
from ally_web.gateways.payments.webhooks import SIGNATURE_HEADER, verify_webhook
from ally_web.htmx import hx_redirect, is_partial, render
from ally_web.services import cart as cart_service
from ally_web.services import checkout as checkout_service
from ally_web.services import orders
from ally_web.services.checkout import Address, clean

SESSION_KEY = "checkout"
PAID_KEY = "checkout_paid"  # the checkout this browser paid for: a refresh of the return still finds it
# What anyone but the paying browser (or the paying browser later) is told on the
# return address: nothing about the order, which is placed either way.
RETURN_ELSEWHERE = ("Thank you. If your payment went through, your order is placed and its confirmation "
                    "is on its way by email. You can look it up here with that email and the order number.")
log = logging.getLogger(__name__)


def _form_from_draft() -> CheckoutForm:
    """A fresh form, filled from the checkout the shopper started earlier (if any)."""
    draft = checkout_service.find_checkout(session.get(SESSION_KEY))
    form = CheckoutForm(formdata=None)
    if draft is not None and draft.status != "placed":
        for field in CheckoutForm.FIELDS:
            getattr(form, field).data = getattr(draft, field)
        form.shipping_method.data = draft.shipping_method
        form.payment_mode.data = draft.payment_mode
    return form


def _quote_for(cart, form: CheckoutForm | SummaryForm):
    """The summary for what the form says now; a quote error belongs to a field."""
    country = (form.country.data or "US")[:10]
    if not cart.lines:
        return None, {}
    if country == OTHER_COUNTRY:
        return None, {"country": "other"}
    try:
        quote = checkout_service.quote_checkout(
            cart, country, clean(form.region.data, 120), clean(form.shipping_method.data, 20)
        )
    except DomainError as error:
        return None, {error.field or "country": error.message}
    return quote, {}


def _page(form: CheckoutForm | SummaryForm, status: int = 200, errors: dict[str, str] | None = None,
          block: str | None = None):
    cart = cart_service.load_cart()
    quote, quote_errors = _quote_for(cart, form)
    if quote is not None:
        form.shipping_method.data = quote.option.code
        if form.payment_mode.data == "installments" and not quote.installments.available:
            form.payment_mode.data = "card"
    errors = {**quote_errors, **(errors or {})}
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and message != "other":
            field.errors = [message]
    country = (form.country.data or "US")[:10]
    return render("checkout/checkout.html", block=block, status=status, form=form, cart=cart, quote=quote,
                  errors=errors, regions=checkout_service.region_choices(country), country=country)


@bp.get("/checkout")
def show():
    return _page(_form_from_draft())


@bp.post("/checkout/summary")
def summary():
    """htmx: the shipping options, duties and totals for the address as typed."""
    if not is_partial():
        return _page(CheckoutForm())
    return _page(SummaryForm(), block="summary")


@bp.post("/checkout/address")
def address():
    """htmx: the whole form again when the country changes (the state or province
    field follows the country), with everything typed so far."""
    form = CheckoutForm()
    if not is_partial():
        return _page(form)
    return _page(form, block="checkout_form")


def _input_from(form: CheckoutForm) -> checkout_service.CheckoutInput:
    address = Address(**{f: clean(getattr(form, f).data, 200) for f in
                         ("name", "phone", "line1", "line2", "city", "region", "postal_code")},
                      country=(form.country.data or "")[:10])
    return checkout_service.CheckoutInput(
        email=form.email.data or "", address=address,
        shipping_method=clean(form.shipping_method.data, 20), payment_mode=clean(form.payment_mode.data, 20),
        confirms_age=bool(form.confirms_age.data), confirms_us_residence=bool(form.confirms_us_residence.data),
        shown_total_cents=_shown_total(),
    )


def _shown_total() -> int | None:
    """The total the pressed button showed (a hidden field beside it), if it is readable."""
    raw = request.form.get("shown_total_cents", "")[:12]
    return int(raw) if raw.isdigit() else None


@bp.post("/checkout")
def pay():
    form = CheckoutForm()
    if request.form.get("action") == "update":  # "Update totals" without JavaScript
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 422, {name: errs[0] for name, errs in form.errors.items() if errs})
    draft = checkout_service.find_checkout(session.get(SESSION_KEY))
    try:
        checkout, payment_url = checkout_service.start_checkout(
            cart_service.load_cart(), _input_from(form), get_gateway(),
            return_url=url_for("checkout.returned", _external=True),
            cancel_url=url_for("checkout.returned", _external=True),
            existing=draft,
        )
    except checkout_service.CheckoutInvalid as invalid:
        return _page(form, 422, invalid.errors)
    except DomainError as error:
        return _page(form, 422, {error.field or "form": error.message})
    db.session.commit()
    session[SESSION_KEY] = checkout.token
    return hx_redirect(payment_url)


@bp.get("/checkout/return")
def returned():
    session_id = request.args.get("session", "")[:64]
    try:
        order = checkout_service.complete_checkout(session_id, get_gateway())
    except NotFound:
        abort(404)
    except checkout_service.PaymentFailed as failure:
        db.session.commit()  # keep why, for the form
        flash(failure.message, "error")
        return redirect(url_for("checkout.show"), 303)
    if not _commit_placed_order(order):
        flash("Something went wrong saving your order, so we refunded your payment. Please try again.", "error")
        return redirect(url_for("checkout.show"), 303)
    within = timedelta(minutes=current_app.config["CHECKOUT_RETURN_MINUTES"])
    if not checkout_service.return_shows_order(order, (session.get(SESSION_KEY), session.get(PAID_KEY)), within):
        flash(RETURN_ELSEWHERE, "notice")
        return redirect(url_for("orders.lookup"), 303)
    cart_service.clear_cart()
    session.pop(SESSION_KEY, None)
    session[PAID_KEY] = order.checkout.token if order.checkout else None
    flash(f"Thank you: order #{order.number} is placed. We've emailed your confirmation.", "success")
    return redirect(orders.status_url(order, orders.LOOKUP, external=False), 303)


@bp.post("/webhooks/payments")
@csrf.exempt
def payment_webhook():
    """The provider's signed notice that a payment finished; safe to repeat."""
    body = request.get_data(cache=False)[:65536]
    secret = current_app.config["PAYMENTS_WEBHOOK_SECRET"]
    now = int(clock.now().timestamp())
    if not verify_webhook(body, request.headers.get(SIGNATURE_HEADER, ""), secret, now):
        abort(400, "Bad signature.")
    try:
        event = json.loads(body)
        session_id = str(event["data"]["session_id"])[:64]
        kind = str(event["type"])
    except (ValueError, KeyError, TypeError):
        abort(400, "Unreadable event.")
    if kind != "checkout.session.completed":
        return {"ignored": kind}
    try:
        order = checkout_service.complete_checkout(session_id, get_gateway(), actor=PAYMENT_PROVIDER)
    except NotFound:
        # A session this shop no longer waits for (replaced by a newer attempt):
        # acknowledged, so the provider stops retrying.
        return {"order": None, "ignored": "unknown session"}, 202
    except checkout_service.PaymentFailed as failure:
        db.session.commit()
        return {"order": None, "message": failure.message}
    number = order.number
    if not _commit_placed_order(order):
        return {"order": None, "message": "not saved; payment refunded"}, 503
    return {"order": number}


def _commit_placed_order(order) -> bool:
    """Commit a placed order; if the database refuses after the provider took the
    money, roll back and refund it (see services/checkout.py)."""
    payment = (order.checkout.token, order.payment_ref, order.total_cents)
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("Order for checkout %s not saved after capture; refunding.", payment[0])
        try:
            checkout_service.refund_after_failed_commit(get_gateway(), *payment)
        except PaymentError:
            log.exception("Refund after a failed commit was refused; reconcile by hand.")
        return False
    return True
