"""Sandbox Pay's hosted page: the stand-in for a real provider's payment page.

Test cards (any future expiry date, any 3-digit security code, any name):

=====================  ==============================================================
4242 4242 4242 4242    succeeds: Visa, credit
4000 0566 5566 5556    succeeds: Visa, debit
5105 1051 0510 5100    succeeds: Mastercard, prepaid
4000 0000 0000 0341    succeeds: Visa, credit; once saved, off-session charges decline
4000 0000 0000 1117    succeeds: Visa, credit; its holds lapse after 1 day, not 7
4000 0000 0000 0002    declined (``card_declined``)
4000 0000 0000 9995    declined (``insufficient_funds``)
4000 0000 0000 0069    declined (``expired_card``)
any other valid number declined (``card_declined``)
=====================  ==============================================================

A number that fails the Luhn check, an expiry date in the past or a malformed
security code is refused on the page (422) before any payment is attempted.

A payment page: success authorizes the payment (the shop captures it); a decline
marks it failed. A setup page (mode ``setup``) charges nothing and shows no amount:
success saves the card (``saved``, with a reusable token), and a card that would be
declined is not saved (``failed``). Either way the shopper is sent (303) to the
shop's ``return_url`` with ``?session=<id>``; "Cancel and return to the shop" sends
them to ``cancel_url``. Each page can be used once: afterwards it says so and links
back to the shop. Holds and charges made later on a saved card have no page (404).
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request

from ally_web.blueprints.sandbox import bp
from ally_web.blueprints.sandbox.forms import CancelForm, PayForm
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments import HOLD_DAYS, installment_schedule
from ally_web.gateways.payments.cards import TEST_CARDS
from ally_web.gateways.payments.sandbox import (
    sandbox_authorize,
    sandbox_cancel,
    sandbox_save_card,
    sandbox_session,
    with_session_param,
)
from ally_web.models.payments import SandboxPayment


@bp.before_request
def sandbox_enabled() -> None:
    """The page exists only while the sandbox is the configured provider."""
    if current_app.config.get("PAYMENTS_PROVIDER", "sandbox") != "sandbox":
        abort(404)


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _load(session_id: str, for_update: bool = False) -> SandboxPayment:
    payment = sandbox_session(session_id, for_update=for_update)
    # Holds and charges on a saved card were made without the shopper: no page.
    if payment is None or payment.off_session:
        abort(404)
    return payment


def _page(payment: SandboxPayment, form: PayForm, status: int = 200):
    schedule = None
    if payment.mode == "installments":
        schedule = installment_schedule(payment.amount_cents, clock.now().date())
    body = render_template(
        "sandbox/pay.html", payment=payment, form=form, cancel_form=CancelForm(prefix="cancel"),
        schedule=schedule, test_cards=TEST_CARDS, hold_days=HOLD_DAYS,
    )
    return make_response(body, status)


def _used(payment: SandboxPayment, status: int):
    back = payment.cancel_url if payment.status == "cancelled" else payment.return_url
    body = render_template("sandbox/used.html", payment=payment,
                           back_url=with_session_param(back, payment.session_id))
    return make_response(body, status)


@bp.get("/<session_id>")
def pay(session_id: str):
    payment = _load(session_id)
    if payment.status != "open":
        return _used(payment, 200)
    return _page(payment, PayForm())


@bp.post("/<session_id>")
def submit(session_id: str):
    payment = _load(session_id, for_update=True)
    if payment.status != "open":
        # A second Pay (double click, back button, replay): nothing happens twice.
        return _used(payment, 409)

    if request.form.get("action") == "cancel":
        if not CancelForm(prefix="cancel").validate_on_submit():
            abort(400)
        sandbox_cancel(payment)
        db.session.commit()
        return redirect(with_session_param(payment.cancel_url, payment.session_id), 303)

    form = PayForm()
    if form.validate_on_submit():
        if payment.mode == "setup":
            sandbox_save_card(payment, form.card_digits)
        else:
            sandbox_authorize(payment, form.card_digits)
        db.session.commit()
        return redirect(with_session_param(payment.return_url, payment.session_id), 303)
    return _page(payment, form, status=422)
