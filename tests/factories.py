"""Test data made through the real services.

`make_order` places an order the way a shopper does, minus the pages: a cart
(`services.cart`), a checkout with an address and a shipping method
(`services.checkout.start_checkout`, which quotes shipping, duties and taxes),
the sandbox's hosted-page step (`sandbox_authorize`), then `complete_checkout`,
which takes the stock, captures the payment, writes the order, its lines, events
and confirmation email. Whatever a test then reads comes from the real code.

    order = make_order(lines=[(variant, 1, False), (sold_out_variant(), 1, True)], country="GB")

A line is made to order when its variant has too few pairs on the shelf, exactly as
in the shop: the flag in `lines` states what the test expects, and is checked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.emails import canonical_email
from ally_web.extensions import db
from ally_web.gateways.payments import SandboxGateway, sandbox_authorize, sandbox_session
from ally_web.models import Customer, Order, Variant
from ally_web.services import cart as cart_service
from ally_web.services import checkout as checkout_service
from ally_web.services.checkout import Address

SUCCESS_CARD = "4242424242424242"

ADDRESSES = {
    "US": dict(line1="350 W 21st St", line2="Apt 4B", city="New York", region="NY", postal_code="10011",
               phone="+1 212 555 0134"),
    "GB": dict(line1="12 Floral Street", line2="", city="London", region="", postal_code="WC2E 9DH",
               phone="+44 20 7946 0018"),
    "CA": dict(line1="88 Queen St W", line2="", city="Toronto", region="ON", postal_code="M5H 2N2",
               phone="+1 416 555 0199"),
    "FR": dict(line1="5 Rue Saint-Honoré", line2="", city="Paris", region="", postal_code="75001",
               phone="+33 1 23 45 67 89"),
}


def in_stock_variant(min_stock: int = 1, offset: int = 0) -> Variant:
    """A catalog variant with at least `min_stock` pairs on the shelf."""
    variant = db.session.scalar(
        select(Variant).where(Variant.stock >= min_stock).order_by(Variant.id).offset(offset).limit(1)
    )
    assert variant is not None, "the catalog has no variant with that much stock (seeded?)"
    return variant


def sold_out_variant(offset: int = 0) -> Variant:
    """A catalog variant with no pair on the shelf: the shop makes it to order.
    (It takes the `offset`-th stocked variant and sells its shelf out.)"""
    from ally_web.core.actors import SYSTEM
    from ally_web.services import catalog

    variant = in_stock_variant(offset=offset)
    catalog.count_stock(variant.id, 0, variant.stock, "Sold out for a test", SYSTEM, audit=False)  # via the ledger
    db.session.flush()
    return variant


def make_order(
    *,
    email: str = "jane@example.com",
    name: str = "Jane Doe",
    country: str = "US",
    lines: list[tuple[Variant, int, bool]] | None = None,
    size_known: bool = False,
    shipping_method: str | None = None,
    placed_at: datetime | None = None,
    card: str = SUCCESS_CARD,
    commit: bool = True,
) -> Order:
    """A placed, paid (captured) order. `lines` are (variant, quantity, made_to_order);
    by default one in-stock pair. `size_known` gives the customer a confirmed size
    first (what a fit confirmation records), so made-to-order lines skip the fitting
    pair. `placed_at` runs the checkout at that moment of the store clock."""
    if placed_at is not None:
        with clock.freeze(placed_at):
            return make_order(email=email, name=name, country=country, lines=lines, size_known=size_known,
                              shipping_method=shipping_method, card=card, commit=commit)
    if lines is None:
        lines = [(in_stock_variant(), 1, False)]
    country = country.upper()
    where = ADDRESSES.get(country, dict(line1="1 Main Street", line2="", city="Capital", region="",
                                        postal_code="1000", phone=""))
    if size_known:
        _customer_with_a_confirmed_size(email, name, where["phone"], lines[0][0])

    store: dict = {}
    for variant, quantity, _ in lines:
        cart_service.add_to_cart(variant.id, quantity, store=store)
    cart = cart_service.load_cart(store)
    made_to_order = {line.variant.id: line.made_to_order for line in cart.lines}
    for variant, _, expected in lines:
        assert made_to_order[variant.id] == expected, (
            f"{variant.sku}: the shop would sell it {'made to order' if made_to_order[variant.id] else 'from stock'}"
            " (made to order means too few pairs on the shelf: see sold_out_variant)"
        )

    gateway = SandboxGateway()
    data = checkout_service.CheckoutInput(
        email=email, address=Address(name=name, country=country, **where),
        shipping_method=shipping_method or ("us-standard" if country == "US" else "standard"),
        payment_mode="card",
    )
    checkout, _ = checkout_service.start_checkout(cart, data, gateway, "/checkout/return", "/checkout")
    result = sandbox_authorize(sandbox_session(checkout.payment_session), card)
    assert result.status == "authorized", f"the sandbox did not authorize {card}: {result.failure_code}"
    order = checkout_service.complete_checkout(checkout.payment_session, gateway)
    if commit:
        db.session.commit()
    return order


def _customer_with_a_confirmed_size(email: str, name: str, phone: str, variant: Variant) -> Customer:
    key = canonical_email(email)
    customer = db.session.scalar(select(Customer).where(Customer.email_canonical == key))
    if customer is None:
        customer = Customer(email=email, email_canonical=key, name=name, phone=phone or None,
                            created_at=clock.now())
        db.session.add(customer)
    customer.size_halves, customer.width = variant.size_halves, variant.width
    db.session.flush()
    return customer
