"""Amounts abroad are named as US dollars, with an estimate in the shopper's currency."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ally_web.core.formatting import local_money, money_in
from ally_web.extensions import db
from ally_web.models import Order, OutboxMessage
from ally_web.services.pricing import local_estimate
from tests.checkout_flow import LONDON, NEW_YORK, add_to_cart, buy, variant


def text_of(response) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_money_is_named_as_us_dollars_abroad_only():
    assert money_in(29500, "GB") == "US$295"
    assert money_in(29550, "US") == "$295.50"
    assert local_money(Decimal(265), "CHF") == "CHF 265"


def test_local_estimate_uses_the_dated_exchange_table(app):
    estimate = local_estimate("GB", 30000)  # US$300 at 1.27 US$ per £ = £236.22
    assert (estimate.currency, estimate.amount, estimate.as_of) == ("GBP", Decimal(236), date(2026, 11, 26))
    assert estimate.text == "£236"
    assert local_estimate("CA", 72000).text == "CA$1,000"
    assert local_estimate("FR", 10800).amount == Decimal(100)
    assert local_estimate("US", 30000) is None


def test_checkout_order_page_and_email_abroad_show_us_dollars_and_the_estimate(client, app):
    add_to_cart(client, variant(stock=3))
    checkout = client.post("/checkout", data={**LONDON, "action": "update"})
    page = text_of(checkout)
    assert "Total to pay now US$" in page
    assert re.search(r"About £[0-9,]+ in GBP: an estimate at the exchange rates of Thursday, November 26, 2026", page)
    order_page = text_of(buy(client, address=LONDON))
    order = db.session.scalar(select(Order))
    estimate = local_estimate("GB", order.total_cents)
    assert f"Paid {money_in(order.total_cents, 'GB')}" in order_page
    assert f"About {estimate.text} in GBP" in order_page
    email = db.session.scalar(select(OutboxMessage.text_body).where(OutboxMessage.to_address == order.email))
    assert f"Paid: {money_in(order.total_cents, 'GB')}" in email
    assert f"About {estimate.text} in GBP: an estimate at the exchange rates of Thursday, November 26, 2026" in email


def test_us_shoppers_keep_the_dollar_sign(client, app):
    add_to_cart(client, variant(stock=3))
    page = text_of(client.post("/checkout", data={**NEW_YORK, "action": "update"}))
    assert "US$" not in page and "an estimate at the exchange rates" not in page
    assert "Total to pay now $" in page
