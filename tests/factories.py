"""Test data made directly in the database, without going through checkout.

`make_order` writes what a placed order looks like (customer, checkout "placed",
order, lines with their promised dates, events "placed" and "paid", stock taken)
and pays for it with a real, captured payment on the sandbox gateway, made through
the gateway's public API (create_session → the hosted page's authorize step →
capture), so refunds work exactly as they would for a real order.

    order = make_order(lines=[(variant, 1, False), (other, 1, True)], country="GB")
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER, SYSTEM
from ally_web.core.emails import canonical_email
from ally_web.extensions import db
from ally_web.gateways.payments import (
    SandboxGateway,
    sandbox_authorize,
    sandbox_session,
)
from ally_web.models import (
    Checkout,
    Customer,
    EventKind,
    MadeToOrderPath,
    MadeToOrderState,
    Order,
    OrderLine,
    Variant,
)
from ally_web.services.lifecycle import record_event
from ally_web.services.orders import new_order_number
from ally_web.services.pricing import calendar, shipping

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


def sandbox_payment(amount_cents: int, key: str, card: str = SUCCESS_CARD, capture: bool = True):
    """A sandbox payment for `amount_cents`, authorized with `card` and (by default)
    captured in full. Returns the gateway's PaymentResult."""
    gateway = SandboxGateway()
    session = gateway.create_session(
        amount_cents=amount_cents, currency=policy.CURRENCY, mode="card", description="Test order",
        return_url="/checkout/return", cancel_url="/checkout",
        idempotency_key=f"{key}:session", metadata={"factory": key},
    )
    result = sandbox_authorize(sandbox_session(session.id), card)
    if capture and result.status == "authorized":
        result = gateway.capture(result.payment_ref, amount_cents, idempotency_key=f"{key}:capture")
    return session, result


def in_stock_variant(min_stock: int = 1, offset: int = 0) -> Variant:
    """A catalog variant with at least `min_stock` pairs on the shelf."""
    variant = db.session.scalar(
        select(Variant).where(Variant.stock >= min_stock).order_by(Variant.id).offset(offset).limit(1)
    )
    assert variant is not None, "the catalog has no variant with that much stock (seeded?)"
    return variant


def make_order(
    *,
    email: str = "jane@example.com",
    name: str = "Jane Doe",
    country: str = "US",
    lines: list[tuple[Variant, int, bool]] | None = None,
    size_known: bool = False,
    shipping_method: str | None = None,
    duties_cents: int | None = None,
    taxes_cents: int = 0,
    duties_collected: str | None = None,
    placed_at: datetime | None = None,
    card: str = SUCCESS_CARD,
    take_stock: bool = True,
    commit: bool = True,
) -> Order:
    """A placed, paid order. `lines` are (variant, quantity, made_to_order); by default
    one in-stock pair. In-stock quantities are taken off the shelf (`take_stock`)."""
    moment = clock.to_store_time(placed_at) if placed_at else clock.now()
    if lines is None:
        lines = [(in_stock_variant(), 1, False)]
    country = country.upper()
    address = ADDRESSES.get(country, dict(line1="1 Main Street", line2="", city="Capital", region="",
                                          postal_code="1000", phone=""))
    subtotal = sum(v.colour.style.price_cents * q for v, q, _ in lines)
    method = shipping_method or ("us-standard" if country == "US" else "standard")
    option = shipping.shipping_option(country, method, subtotal, moment)
    if duties_cents is None:
        duties_cents = 0 if country == "US" else 2500
    collected = duties_collected or ("none" if not duties_cents else "checkout")
    charged_duties = duties_cents + taxes_cents if collected == "checkout" else 0
    total = subtotal + option.price_cents + charged_duties
    quote = {"country": country, "lines": [
        *([{"label": "Duties", "amount_cents": duties_cents}] if duties_cents else []),
        *([{"label": "Taxes", "amount_cents": taxes_cents}] if taxes_cents else []),
    ], "collected": collected}

    key = canonical_email(email)
    customer = db.session.scalar(select(Customer).where(Customer.email_canonical == key))
    if customer is None:
        customer = Customer(email=email, email_canonical=key, name=name, phone=address["phone"] or None,
                            created_at=moment)
        db.session.add(customer)
        db.session.flush()

    token = secrets.token_urlsafe(32)
    session, result = sandbox_payment(total, f"factory:{token}", card=card)

    money = dict(subtotal_cents=subtotal, shipping_cents=option.price_cents, duties_cents=duties_cents,
                 taxes_cents=taxes_cents, total_cents=total, quote=quote)
    where = dict(name=name, country=country, **address)
    checkout = Checkout(
        token=secrets.token_urlsafe(32), email=email, shipping_method=option.code, payment_mode="card",
        lines=[{"variant_id": v.id, "quantity": q, "unit_price_cents": v.colour.style.price_cents,
                "made_to_order": mto} for v, q, mto in lines],
        status="placed", payment_session=session.id, created_at=moment, updated_at=moment,
        **money, **where,
    )
    order = Order(
        number=new_order_number(), token=token, checkout=checkout, customer_id=customer.id,
        email=email, email_canonical=key, shipping_method=option.code, duties_collected=collected,
        payment_provider="sandbox", payment_ref=result.payment_ref, payment_mode="card",
        card_brand=result.card_brand or "", card_last4=result.card_last4 or "",
        card_funding=result.card_funding or "", placed_at=moment, **money, **where,
    )
    for variant, quantity, made_to_order in lines:
        line = OrderLine(
            variant_id=variant.id, sku=variant.sku, style_name=variant.colour.style.name,
            colour_name=variant.colour.name, size_halves=variant.size_halves, width=variant.width,
            unit_price_cents=variant.colour.style.price_cents, quantity=quantity, made_to_order=made_to_order,
        )
        if not made_to_order:
            promise = option.promise
            line.ships_from, line.ships_by = promise.ships_from, promise.ships_by
            line.arrives_from, line.arrives_by = promise.arrives_from, promise.arrives_by
            if take_stock:
                taken = db.session.execute(
                    update(Variant).where(Variant.id == variant.id, Variant.stock >= quantity)
                    .values(stock=Variant.stock - quantity)
                )
                assert taken.rowcount == 1, f"not enough stock of {variant.sku} for the test order"
        elif size_known:
            line.mto_path, line.mto_state = MadeToOrderPath.SIZE_KNOWN, MadeToOrderState.IN_PRODUCTION
            promise = calendar.made_to_order_promise(calendar.order_day(moment), transit=option.business_days)
            line.ships_from, line.ships_by = promise.ships_from, promise.ships_by
            line.arrives_from, line.arrives_by = promise.arrives_from, promise.arrives_by
        else:
            line.mto_path, line.mto_state = MadeToOrderPath.FITTING_FIRST, MadeToOrderState.AWAITING_FITTING_PAIR
            fitting = calendar.in_stock_promise(moment, ships=policy.FITTING_PAIR_SHIPS)
            line.fitting_ships_from, line.fitting_ships_by = fitting.ships_from, fitting.ships_by
        order.lines.append(line)
    record_event(order, EventKind.PLACED, CUSTOMER, moment)
    record_event(order, EventKind.PAID, SYSTEM, moment, mode="card", card_brand=result.card_brand or "",
                 card_last4=result.card_last4 or "")
    db.session.add(order)
    db.session.flush()
    if commit:
        db.session.commit()
    return order
