"""The checkout's return address (issue #10, point 2): it shows the order only to the
browser that paid, and only shortly after; anyone else, or later, is sent to the order
lookup with a message that says nothing about the order."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments import sign_webhook
from ally_web.models import Order
from tests.checkout_flow import NEW_YORK, add_to_cart, pay_on_sandbox, session_id_of, submit_checkout, variant

PERSONAL = ("jane@example.com", "350 Fifth Avenue", "Jane Doe", "10118", "/orders/")


def paid_return_url(client) -> str:
    """Pay on the sandbox; the address the provider sends the shopper back to."""
    add_to_cart(client, variant(stock=3))
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"])
    assert back.status_code == 303
    return back.headers["Location"]


def assert_neutral_lookup(client, response):
    assert response.status_code == 303
    assert response.headers["Location"] == "/pages/order-lookup"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If your payment went through, your order is placed" in page
    number = db.session.scalar(select(Order.number))
    for secret in (*PERSONAL, number):
        assert secret not in page


def test_the_paying_browser_lands_on_its_order_and_may_refresh(client, app):
    url = paid_return_url(client)
    first = client.get(url)
    assert first.status_code == 303 and first.headers["Location"].startswith("/orders/")
    assert client.get(url).headers["Location"] == first.headers["Location"]


def test_a_stranger_with_the_return_address_is_sent_to_the_lookup(client, app):
    url = paid_return_url(client)
    assert client.get(url).headers["Location"].startswith("/orders/")  # the shopper
    stranger = app.test_client()  # shared computer, history, no cookie
    assert_neutral_lookup(stranger, stranger.get(url))


def test_a_stranger_first_still_places_the_order_but_sees_nothing(client, app):
    url = paid_return_url(client)
    stranger = app.test_client()
    assert_neutral_lookup(stranger, stranger.get(url))
    assert db.session.scalar(select(func.count(Order.id))) == 1  # the order is placed either way
    assert client.get(url).headers["Location"].startswith("/orders/")  # the shopper still lands on it


def test_the_return_address_stops_showing_the_order_after_the_setting(client, app):
    url = paid_return_url(client)
    first = client.get(url)
    assert first.headers["Location"].startswith("/orders/")
    client.get(first.headers["Location"])  # the status page shows (and clears) the thank-you message
    minutes = app.config["CHECKOUT_RETURN_MINUTES"]
    assert minutes == 60
    with clock.freeze(clock.now() + timedelta(minutes=minutes, seconds=1)):
        assert_neutral_lookup(client, client.get(url))
    with clock.freeze(clock.now() + timedelta(days=90)):
        assert_neutral_lookup(client, client.get(url))


def test_after_the_webhook_placed_it_the_paying_browser_still_lands_on_its_order(client, app):
    url = paid_return_url(client)
    body = json.dumps({"type": "checkout.session.completed", "data": {"session_id": session_id_of(url)}}).encode()
    now = int(clock.now().timestamp())
    signature = sign_webhook(body, app.config["PAYMENTS_WEBHOOK_SECRET"], now)
    response = client.post("/webhooks/payments", data=body, headers={"Sandbox-Signature": signature})
    assert response.status_code == 200 and response.get_json()["order"]
    assert client.get(url).headers["Location"].startswith("/orders/")
    stranger = app.test_client()
    assert_neutral_lookup(stranger, stranger.get(url))
