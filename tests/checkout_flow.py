"""Drive a real checkout through the pages: cart → checkout form → the sandbox's
hosted page → back to the shop. Shared by the checkout tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant

NEW_YORK = dict(email="jane@example.com", name="Jane Doe", phone="2125550100", line1="350 Fifth Avenue",
                line2="Apt 21B", city="New York", region="NY", postal_code="10118", country="US",
                shipping_method="us-standard", payment_mode="card")
LONDON = dict(email="amelia@example.co.uk", name="Amelia Hart", phone="+44 20 7946 0000",
              line1="12 Hanover Square", line2="", city="London", region="", postal_code="W1S 1JB",
              country="GB", shipping_method="standard", payment_mode="card")
GOOD_CARD = "4242 4242 4242 4242"


def variant(stock: int | None = None, style="classic-pump", colour="black", size=17, width="M") -> Variant:
    found = db.session.scalar(
        select(Variant).join(Colour).join(Style).where(
            Style.slug == style, Colour.slug == colour, Variant.size_halves == size, Variant.width == width
        )
    )
    if stock is not None:
        found.stock = stock
        db.session.commit()
    return found


def add_to_cart(client, v: Variant, quantity: int = 1):
    response = client.post("/cart/add", data={"variant_id": str(v.id), "quantity": str(quantity)})
    assert response.status_code == 303, response.status_code


def submit_checkout(client, **fields):
    return client.post("/checkout", data={"action": "pay", **fields})


def pay_on_sandbox(client, payment_url: str, card: str = GOOD_CARD):
    """Fill in the provider's hosted page; returns its redirect back to the shop."""
    page = client.get(payment_url)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    data = {"card_number": card, "expiry": "12/30", "cvc": "123", "name": "Jane Doe", "pay": "Pay"}
    if token:
        data["csrf_token"] = token.group(1)
    return client.post(payment_url, data=data)


def session_id_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["session"][0]


def buy(client, address=NEW_YORK, card: str = GOOD_CARD, **overrides):
    """The whole journey; returns the final response after coming back to the shop."""
    started = submit_checkout(client, **{**address, **overrides})
    assert started.status_code == 303, started.get_data(as_text=True)[:2000]
    back = pay_on_sandbox(client, started.headers["Location"], card)
    assert back.status_code == 303, back.get_data(as_text=True)[:2000]
    return client.get(back.headers["Location"], follow_redirects=True)
