"""US sales tax: the brand's states, the rates table, New York's $110 exemption, its own
line at checkout, on the order and in emails, and refunded with its order."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from ally_web import policy
from ally_web.extensions import db
from ally_web.models import Order, OutboxMessage, Style
from ally_web.services.pricing import sales_tax as st
from tests.checkout_flow import LONDON, NEW_YORK, add_to_cart, buy, variant


def text_of(response) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_the_table_is_marked_for_the_brand_with_source_and_date():
    ny = st.load_rates()["NY"]
    assert ny.to_confirm_by_brand and ny.reviewed_on == "2026-11-26" and ny.reference
    assert "NY" in policy.SALES_TAX_STATES  # the default brand setting


def test_new_york_taxes_each_line_and_exempts_footwear_under_110():
    quote = st.sales_tax("US", "NY", [(29500, 1), (10999, 2), (11000, 1)])
    assert quote.label == "Sales tax (New York, 8.875%)"
    # $295 × 8.875% = $26.18; under $110 an item: none; exactly $110 is taxed: $9.76.
    assert quote.line_cents == (2618, 0, 976)
    assert quote.total_cents == 3594 and quote.exempt_lines == 1


@pytest.mark.parametrize("country, state", [("US", "NJ"), ("US", None), ("GB", "NY")])
def test_no_tax_where_the_brand_does_not_collect(country, state):
    quote = st.sales_tax(country, state, [(29500, 1)])
    assert quote.total_cents == 0 and quote.state is None and quote.to_dict() is None


def test_a_state_in_policy_without_a_rate_is_a_setup_error(monkeypatch):
    monkeypatch.setattr(policy, "SALES_TAX_STATES", ("NY", "NJ"))
    with pytest.raises(LookupError):
        st.sales_tax("US", "NJ", [(29500, 1)])


def test_checkout_order_page_and_email_show_the_sales_tax_line(client, app):
    v = variant(stock=3)
    price = v.colour.style.price_cents
    tax = st.sales_tax("US", "NY", [(price, 1)]).total_cents
    add_to_cart(client, v)
    checkout = text_of(client.post("/checkout", data={**NEW_YORK, "region": "New York", "action": "update"}))
    assert f"Sales tax (New York, 8.875%) ${tax / 100:.2f}" in checkout
    page = text_of(buy(client))
    order = db.session.scalar(select(Order))
    assert order.sales_tax_cents == tax and order.total_cents == price + tax
    assert order.lines[0].sales_tax_cents == tax  # kept with the pair it belongs to
    assert f"Sales tax (New York, 8.875%) ${tax / 100:.2f}" in page
    email = db.session.scalar(select(OutboxMessage.text_body))
    assert f"Sales tax (New York, 8.875%): ${tax / 100:.2f}" in email


def test_a_pair_under_110_pays_no_new_york_tax(client, app):
    v = variant(stock=3)
    db.session.get(Style, v.colour.style.id).price_cents = 10900
    db.session.commit()
    add_to_cart(client, v)
    buy(client)
    order = db.session.scalar(select(Order))
    assert order.sales_tax_cents == 0 and order.total_cents == 10900


def test_no_sales_tax_abroad_or_in_other_states(client, app):
    add_to_cart(client, variant(stock=3))
    buy(client, address=LONDON)
    assert db.session.scalar(select(Order)).sales_tax_cents == 0
    other = app.test_client()
    add_to_cart(other, variant(stock=3))
    buy(other, region="NJ", postal_code="07302", email="nj@example.com")
    assert db.session.scalar(select(Order).where(Order.email == "nj@example.com")).sales_tax_cents == 0


def test_cancelling_refunds_the_sales_tax_with_the_order(client, app):
    from ally_web.core.actors import SYSTEM
    from ally_web.models import EventKind
    from ally_web.services import orders

    add_to_cart(client, variant(stock=3))
    buy(client)
    order = db.session.scalar(select(Order))
    assert order.sales_tax_cents > 0
    orders.cancel_order(order, SYSTEM, "Changed her mind")
    db.session.commit()
    refunded = [e for e in order.events if e.kind is EventKind.REFUNDED]
    assert refunded[0].params["amount_cents"] == order.total_cents == order.subtotal_cents + order.sales_tax_cents
    assert sum(line.sales_tax_cents for line in order.lines) == order.sales_tax_cents


def test_paying_a_total_the_page_did_not_show_comes_back_with_the_new_total(client, app):
    """Without JavaScript the shopper may press Pay before "Update": the page showed the
    total without the state's sales tax, so it comes back with the right one instead."""
    v = variant(stock=3)
    price = v.colour.style.price_cents
    add_to_cart(client, v)
    response = client.post("/checkout", data={**NEW_YORK, "action": "pay", "shown_total_cents": str(price)})
    assert response.status_code == 422
    tax = st.sales_tax("US", "NY", [(price, 1)]).total_cents
    assert f"With this address your total is ${(price + tax) / 100:.2f}" in text_of(response)
    assert db.session.scalar(select(Order)) is None
    again = client.post("/checkout", data={**NEW_YORK, "action": "pay", "shown_total_cents": str(price + tax)})
    assert again.status_code == 303
