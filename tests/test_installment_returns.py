"""Returning part of an order paid in installments: the refund goes through the
payment gateway like any other, and the customer reads what happens to the payments
still to come (they shrink from the last one; anything more goes back to the card)."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, CUSTOMER
from ally_web.core.formatting import day, money
from ally_web.extensions import db
from ally_web.gateways.payments import Installment, installments_after_refunds
from ally_web.models import Order, OutboxMessage, PaymentMode, SandboxPayment, ScanKind
from ally_web.services import orders as order_service
from ally_web.services import returns
from tests.checkout_flow import NEW_YORK, add_to_cart, buy, variant
from tests.conftest import FROZEN_AT
from tests.test_returns import ALL_CONDITIONS, STAFF, link_for

START = date(2026, 11, 25)


def text_of(response) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_refund_comes_off_the_payments_still_to_come_the_last_first():
    plan = installments_after_refunds(10_003, START, [(START + timedelta(days=3), 3_000)])
    assert [i.amount_cents for i in plan.schedule] == [2_503, 2_500, 2_000, 0]
    assert (plan.taken_off_cents, plan.to_card_cents) == (3_000, 0)
    assert [i.due_on for i in plan.schedule] == [START + timedelta(weeks=2 * n) for n in range(4)]  # same dates


def test_what_was_collected_already_is_refunded_to_the_card():
    # The second payment is collected on day 14; a refund on that day finds two left.
    plan = installments_after_refunds(10_000, START, [(START + timedelta(days=14), 7_000)])
    assert [i.amount_cents for i in plan.schedule] == [2_500, 2_500, 0, 0]
    assert (plan.taken_off_cents, plan.to_card_cents) == (5_000, 2_000)
    two = installments_after_refunds(10_000, START, [(START + timedelta(days=1), 1_000),
                                                     (START + timedelta(days=2), 2_000)])
    assert [i.amount_cents for i in two.schedule] == [2_500, 2_500, 2_000, 0]
    assert installments_after_refunds(10_000, START, []).schedule == [
        Installment(START + timedelta(weeks=2 * n), 2_500) for n in range(4)]


def test_returning_one_of_two_pairs_refunds_it_through_the_gateway_and_the_page_says_what_is_left(client, app):
    add_to_cart(client, variant(stock=3), quantity=2)
    buy(client, **{**NEW_YORK, "payment_mode": "installments", "confirms_age": "y", "confirms_us_residence": "y"})
    order = db.session.scalar(select(Order))
    line = order.lines[0]
    assert order.payment_mode is PaymentMode.INSTALLMENTS and line.quantity == 2
    payment = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == order.payment_ref))
    assert (payment.mode, payment.status, payment.captured_cents) == ("installments", "captured", order.total_cents)

    with clock.freeze(FROZEN_AT + timedelta(days=3)), current_app.test_request_context():
        parcel = order_service.ship_ready_pairs(order, "FedEx", "700000000001", STAFF)
        order_service.record_scan(parcel, ScanKind.DELIVERED, clock.now(), CARRIER)
        request = returns.create_request(order, returns.RequestInput(
            items=[returns.ItemInput(line.id, "return", 1, "too_big")], conditions=set(ALL_CONDITIONS)), CUSTOMER)
        returns.mark_received(request, STAFF)
        refunded = returns.inspect(request, {request.items[0].id: returns.Decision(True)}, STAFF)
    db.session.commit()

    # Half the line: one pair's price and its half of the line's sales tax, to the cent.
    assert refunded == line.unit_price_cents + round(line.sales_tax_cents / 2)
    db.session.refresh(payment)
    assert (payment.refunded_cents, payment.status) == (refunded, "captured")  # partly refunded, plan goes on

    # Worked by hand: shipping is free and the tax splits evenly, so one pair is half
    # the order: two of the four payments. Collected so far: the first (with the order);
    # the refund empties the last two, the first two are unchanged.
    base, odd = divmod(order.total_cents, 4)
    assert refunded == 2 * base
    page = text_of(client.get(f"/orders/{link_for(order)}"))
    due = [START + timedelta(weeks=2 * n) for n in range(4)]
    assert f"Paid with your order, {day(due[0])} {money(base + odd)}" in page
    assert f"Due {day(due[1])} {money(base)}" in page
    assert f"Due {day(due[2])} Nothing (refunded)" in page
    assert f"Due {day(due[3])} Nothing (refunded)" in page
    assert (f"Your refund of {money(refunded)} came off the payments still to come, the last one first: "
            f"{money(refunded)} less to pay, shown above. The dates don't change.") in page

    email = db.session.scalar(select(OutboxMessage.text_body).where(OutboxMessage.kind == "return_inspected"))
    assert f"We refunded {money(refunded)}. You pay this order in installments" in email
    assert "the last one first" in email
    request_page = text_of(client.get(f"/exchange/r/{request.token}"))
    assert f"we refunded {money(refunded)}. You pay this order in installments" in request_page
