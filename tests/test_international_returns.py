"""Shoppers abroad learn, where they act, that return shipping is theirs and needs tracking."""

from __future__ import annotations

from ally_web.services.pricing import international_returns_note
from tests.checkout_flow import LONDON, NEW_YORK, add_to_cart, buy, variant

SAYS = "you pay for the return shipping yourself"


def test_the_note_is_for_orders_abroad_only():
    assert SAYS in international_returns_note("GB") and "tracking link" in international_returns_note("GB")
    assert international_returns_note("US") is None


def test_checkout_and_status_page_abroad_explain_returns(client, app):
    add_to_cart(client, variant(stock=3))
    checkout = client.post("/checkout", data={**LONDON, "action": "update"}).get_data(as_text=True)
    assert SAYS in checkout and "tracking link" in checkout
    page = buy(client, address=LONDON).get_data(as_text=True)
    assert 'id="international-returns"' in page and SAYS in page


def test_us_checkout_and_status_page_do_not(client, app):
    add_to_cart(client, variant(stock=3))
    checkout = client.post("/checkout", data={**NEW_YORK, "action": "update"}).get_data(as_text=True)
    assert SAYS not in checkout
    assert SAYS not in buy(client).get_data(as_text=True)
