"""Pages with personal data are never stored by a browser or a proxy (issue #10,
point 3); the public catalog pages stay cacheable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import Order
from ally_web.services.orders import links as order_links
from tests.checkout_flow import NEW_YORK, add_to_cart, buy, submit_checkout, variant


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/shop", "/products/classic-pump", "/faq"])
def test_public_catalog_pages_stay_cacheable(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert not no_store(response)


def test_the_order_status_page_and_the_lookup_are_not_stored(client, app):
    add_to_cart(client, variant(stock=3))
    buy(client)
    order = db.session.scalar(select(Order))
    assert no_store(client.get(f"/orders/{order_links.make_link(order)}"))
    assert no_store(client.get("/pages/order-lookup"))
    assert no_store(client.post("/pages/order-lookup", data={"email": order.email, "number": order.number}))


def test_checkout_its_return_and_the_sandbox_payment_page_are_not_stored(client, app):
    add_to_cart(client, variant(stock=3))
    assert no_store(client.get("/checkout"))
    started = submit_checkout(client, **NEW_YORK)
    assert no_store(started)
    payment_page = client.get(started.headers["Location"])
    assert payment_page.status_code == 200 and no_store(payment_page)
    assert no_store(client.get("/checkout/return", query_string={"session": "nope"}))


def test_the_sign_in_page_and_every_staff_page_are_not_stored(client, auth, app):
    auth.login()
    assert no_store(app.test_client().get("/staff/sign-in"))
    for url in ("/admin/", "/admin/orders", "/admin/outbox"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url


def test_every_staff_url_without_parameters_is_not_stored(client, auth, app):
    auth.login()
    urls = [rule.rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and "GET" in rule.methods and not rule.arguments]
    assert len(urls) >= 3
    for url in urls:
        assert no_store(client.get(url)), url
