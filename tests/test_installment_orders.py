"""An order paid in installments says what was paid today and what comes later."""

from __future__ import annotations

import html as htmllib
import re

from sqlalchemy import select

from ally_web.core.formatting import day, money
from ally_web.extensions import db
from ally_web.models import Order, OutboxMessage
from ally_web.services import orders
from tests.checkout_flow import NEW_YORK, add_to_cart, buy, variant


def text_of(response) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_installment_order_page_and_email_show_the_schedule(client, app):
    add_to_cart(client, variant(stock=3))
    page = text_of(buy(client, **{**NEW_YORK, "payment_mode": "installments", "confirms_age": "y",
                                  "confirms_us_residence": "y"}))
    order = db.session.scalar(select(Order))
    schedule = orders.order_installments(order)
    assert len(schedule) == 4 and sum(i.amount_cents for i in schedule) == order.total_cents
    first, *later = schedule
    assert first.due_on.isoformat() == "2026-11-25"
    assert f"Paid with your order, {day(first.due_on)} {money(first.amount_cents)}" in page
    for due in later:
        assert f"Due {day(due.due_on)} {money(due.amount_cents)}" in page
    assert f"Paid {money(order.total_cents)}" not in page  # not shown as fully paid
    assert "our payment provider collects the other 3" in page
    email = db.session.scalar(select(OutboxMessage.text_body))
    assert f"Paid today, {day(first.due_on)}: {money(first.amount_cents)}" in email
    for due in later:
        assert f"{money(due.amount_cents)} on {day(due.due_on)}" in email
    assert f"Paid: {money(order.total_cents)}" not in email


def test_card_order_still_says_paid(client, app):
    add_to_cart(client, variant(stock=3))
    page = text_of(buy(client))
    order = db.session.scalar(select(Order))
    assert orders.order_installments(order) == ()
    assert f"Paid {money(order.total_cents)}" in page
