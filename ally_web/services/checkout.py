"""From cart to paid order.

The flow, and why it is safe:

1. ``quote_checkout`` prices the cart for an address: shipping options, the landed
   cost (duties and taxes) and what is charged now. Pure reads.
2. ``start_checkout`` checks what the shopper typed, freezes the cart and the quote in
   a ``Checkout`` row and opens a session on the payment provider's hosted page. No
   stock is held and nothing is charged yet: a shopper who never pays leaves nothing
   behind but that row.
3. The provider sends the shopper back (or calls the webhook). ``complete_checkout``
   asks the provider, server-side, what happened:
   - failed or cancelled: no order, no stock held; the checkout remembers why, so the
     form comes back filled in with a clear message;
   - authorized: the checkout is *claimed* with a conditional UPDATE (only one of a
     return page, a refresh, a double click and a webhook racing each other gets to
     place the order; the others find it), stock is taken with conditional UPDATEs
     (``stock >= n``: no oversell, also on SQLite where ``FOR UPDATE`` does nothing),
     the order, its lines, its first events and the confirmation email (outbox) are
     written, and only then is the authorization captured.

Reconciliation when something fails after the provider has the money:
   - a pair sold out while the shopper was paying: the authorization is voided (the
     shopper is never charged) and the checkout says which pair is gone;
   - the capture itself fails: the order is not placed (the caller rolls back) and
     the authorization is voided;
   - the database commit fails after a successful capture (a real, external
     provider): the caller refunds the capture with the idempotency key
     ``checkout:<token>:refund`` (see ``refund_after_failed_commit``). With the
     sandbox provider the capture lives in the same transaction and rolls back with
     it. Every provider call carries an idempotency key, so repeating any step never
     charges twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from ally_web import policy
from ally_web.core import clock
from ally_web.core.emails import canonical_email, normalize_email
from ally_web.core.errors import DomainError, NotFound
from ally_web.extensions import db
from ally_web.gateways.payments import FAILURE_MESSAGES, PaymentError, PaymentGateway
from ally_web.models import Checkout, Customer, Order, OrderEvent, OrderLine, Variant
from ally_web.services import calendar, catalog, landed_cost, shipping
from ally_web.services.addresses import Address, check_address, normalized
from ally_web.services.cart import Cart
from ally_web.services.landed_cost import LandedCostQuote
from ally_web.services.notifications import enqueue_email
from ally_web.services.order_links import status_url
from ally_web.services.shipping import ShippingOption

log = logging.getLogger(__name__)
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U


class CheckoutInvalid(DomainError):
    """Several fields are wrong at once; `errors` maps field → message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


class PaymentFailed(DomainError):
    """The provider did not take the payment; nothing was charged."""


# --- Quoting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallmentOffer:
    available: bool
    reason: str  # why not, in plain words, when unavailable
    schedule: tuple[tuple[date, int], ...] = ()


@dataclass(frozen=True)
class CheckoutQuote:
    country: str
    options: tuple[ShippingOption, ...]
    option: ShippingOption
    landed: LandedCostQuote
    subtotal_cents: int
    installments: InstallmentOffer

    @property
    def charged_now_cents(self) -> int:
        return self.subtotal_cents + self.option.price_cents + self.landed.charged_at_checkout_cents

    @property
    def duties_cents(self) -> int:
        return self.landed.duties_cents

    @property
    def taxes_cents(self) -> int:
        return self.landed.taxes_cents


def installment_schedule(total_cents: int, start: date) -> tuple[tuple[date, int], ...]:
    """Equal payments every INSTALLMENT_INTERVAL_WEEKS; the odd cents go first."""
    count = policy.INSTALLMENT_COUNT
    share, remainder = divmod(total_cents, count)
    return tuple(
        (start + timedelta(weeks=policy.INSTALLMENT_INTERVAL_WEEKS * n), share + (remainder if n == 0 else 0))
        for n in range(count)
    )


def installment_offer(cart: Cart, country: str, total_cents: int, today: date) -> InstallmentOffer:
    if country != "US":
        return InstallmentOffer(False, "Paying in installments is open to US residents shipping to the US.")
    if cart.has_made_to_order:
        return InstallmentOffer(
            False,
            "Made-to-order pairs can't be paid in installments: the provider only covers "
            "pairs that ship now. Pay by card, or order in-stock pairs separately.",
        )
    if not policy.INSTALLMENT_MIN_CENTS <= total_cents <= policy.INSTALLMENT_MAX_CENTS:
        return InstallmentOffer(
            False,
            f"Installments are available for orders between ${policy.INSTALLMENT_MIN_CENTS // 100} "
            f"and ${policy.INSTALLMENT_MAX_CENTS // 100:,}.",
        )
    return InstallmentOffer(True, "", installment_schedule(total_cents, today))


def quote_checkout(cart: Cart, country: str, region: str = "", method: str | None = None,
                   at: datetime | None = None) -> CheckoutQuote:
    """Price the cart for a destination. Raises DomainError for a country we don't
    serve (field "country") or a Canadian address without a province ("region")."""
    at = at or clock.now()
    subtotal = cart.subtotal_cents
    options = tuple(shipping.shipping_options(country, subtotal, at))
    option = next((o for o in options if o.code == method), options[0])
    landed = landed_cost.quote(country, subtotal, option.price_cents, region or None)
    total = subtotal + option.price_cents + landed.charged_at_checkout_cents
    return CheckoutQuote(country, options, option, landed, subtotal,
                         installment_offer(cart, country, total, at.date()))


# --- Starting a checkout ---------------------------------------------------------------------


@dataclass
class CheckoutInput:
    email: str
    address: Address
    shipping_method: str
    payment_mode: str  # card or installments
    confirms_age: bool = False
    confirms_us_residence: bool = False


def _cart_snapshot(cart: Cart) -> list[dict[str, Any]]:
    return [
        {"variant_id": line.variant.id, "quantity": line.quantity,
         "unit_price_cents": line.style.price_cents, "made_to_order": line.made_to_order}
        for line in cart.lines
    ]


def start_checkout(cart: Cart, data: CheckoutInput, gateway: PaymentGateway,
                   return_url: str, cancel_url: str, existing: Checkout | None = None) -> tuple[Checkout, str]:
    """Validate, freeze the cart and quote, open a hosted payment session.

    Returns the checkout and the URL of the provider's page. Raises CheckoutInvalid
    with every field error at once.
    """
    if not cart.lines:
        raise DomainError("Your cart is empty.")
    errors: dict[str, str] = {}
    email = ""
    try:
        email = normalize_email(data.email)
    except DomainError as error:
        errors["email"] = error.message
    address = normalized(data.address)
    errors.update(check_address(address))
    quote = None
    try:
        quote = quote_checkout(cart, address.country, address.region, data.shipping_method)
        if data.shipping_method not in {o.code for o in quote.options}:
            errors["shipping_method"] = "Please choose one of the shipping options shown."
    except DomainError as error:
        errors.setdefault(error.field or "country", error.message)
    if data.payment_mode not in ("card", "installments"):
        errors["payment_mode"] = "Please choose how you'd like to pay."
    elif data.payment_mode == "installments" and quote is not None:
        if not quote.installments.available:
            errors["payment_mode"] = quote.installments.reason
        else:
            if not data.confirms_age:
                errors["confirms_age"] = f"Installments need you to be {policy.INSTALLMENT_MIN_AGE} or older."
            if not data.confirms_us_residence:
                errors["confirms_us_residence"] = "Installments need you to live in the United States."
    if errors:
        raise CheckoutInvalid(errors)

    moment = clock.now()
    if existing is not None and existing.status == "placing":
        raise DomainError("Your payment is being confirmed. Please wait a moment, then refresh the page.")
    checkout = existing if existing is not None and existing.status != "placed" else Checkout(
        token=secrets.token_urlsafe(32), created_at=moment
    )
    _release_previous_attempt(checkout, gateway)
    checkout.email = email
    for field in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
        setattr(checkout, field, getattr(address, field))
    checkout.shipping_method = quote.option.code
    checkout.payment_mode = data.payment_mode
    checkout.lines = _cart_snapshot(cart)
    checkout.subtotal_cents = quote.subtotal_cents
    checkout.shipping_cents = quote.option.price_cents
    checkout.duties_cents = quote.duties_cents
    checkout.taxes_cents = quote.taxes_cents
    checkout.total_cents = quote.charged_now_cents
    checkout.quote = quote.landed.to_dict()
    checkout.status = "paying"
    checkout.failure_message = None
    checkout.updated_at = moment
    db.session.add(checkout)
    db.session.flush()
    # Each press of "Pay" is a new attempt with a session of its own (a used hosted
    # page cannot be paid again); the key names the checkout and the attempt.
    session = gateway.create_session(
        amount_cents=checkout.total_cents, currency=policy.CURRENCY, mode=data.payment_mode,
        description=f"ALLY order, {sum(l['quantity'] for l in checkout.lines)} pair(s)",
        return_url=return_url, cancel_url=cancel_url,
        idempotency_key=f"checkout:{checkout.token}:session:{secrets.token_hex(8)}",
        metadata={"checkout": checkout.token},
    )
    checkout.payment_session = session.id
    return checkout, session.url


def _release_previous_attempt(checkout: Checkout, gateway: PaymentGateway) -> None:
    """A new press of Pay replaces the last attempt: if that one was authorized but
    never came back to the shop, its hold is voided so the shopper is not held twice."""
    if not checkout.payment_session:
        return
    try:
        previous = gateway.retrieve(checkout.payment_session)
    except PaymentError:
        return
    if previous.status == "authorized":
        _release(gateway, previous.payment_ref, f"checkout:{checkout.token}:{previous.payment_ref}:void")


# --- Completing a checkout -------------------------------------------------------------------


def new_order_number() -> str:
    while True:
        raw = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
        number = f"{raw[:4]}-{raw[4:]}"
        if not db.session.scalar(select(Order.id).where(Order.number == number)):
            return number


def normalize_order_number(raw: str | None) -> str:
    """What people type → the stored form: '#k7m2 9qxd' → 'K7M2-9QXD'."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return f"{text[:4]}-{text[4:]}" if len(text) == 8 else text


def _put_back(taken: list[tuple[int, int]]) -> None:
    for variant_id, quantity in taken:
        db.session.execute(update(Variant).where(Variant.id == variant_id).values(stock=Variant.stock + quantity))


def _take_stock(lines: list[dict[str, Any]]) -> tuple[list[tuple[int, int]], Variant | None]:
    """Decrement stock for in-stock lines: (what was taken, None), or on the first
    shortage put everything back and return ([], the variant that ran out)."""
    taken: list[tuple[int, int]] = []
    for line in lines:
        if line["made_to_order"]:
            continue
        result = db.session.execute(
            update(Variant)
            .where(Variant.id == line["variant_id"], Variant.stock >= line["quantity"])
            .values(stock=Variant.stock - line["quantity"])
        )
        if result.rowcount != 1:
            _put_back(taken)
            return [], db.session.get(Variant, line["variant_id"])
        taken.append((line["variant_id"], line["quantity"]))
    return taken, None


def _customer_for(checkout: Checkout, moment: datetime) -> Customer:
    key = canonical_email(checkout.email)
    customer = db.session.scalar(select(Customer).where(Customer.email_canonical == key))
    if customer is None:
        customer = Customer(email=checkout.email, email_canonical=key, name=checkout.name,
                            phone=checkout.phone or None, created_at=moment)
        db.session.add(customer)
        db.session.flush()
    return customer


def _order_line(snapshot: dict[str, Any], variant: Variant, customer: Customer,
                option: ShippingOption, placed_at: datetime) -> OrderLine:
    line = OrderLine(
        variant_id=variant.id, sku=variant.sku, style_name=variant.colour.style.name,
        colour_name=variant.colour.name, size_halves=variant.size_halves, width=variant.width,
        unit_price_cents=snapshot["unit_price_cents"], quantity=snapshot["quantity"],
        made_to_order=snapshot["made_to_order"],
    )
    if not line.made_to_order:
        promise = option.promise
        line.ships_from, line.ships_by = promise.ships_from, promise.ships_by
        line.arrives_from, line.arrives_by = promise.arrives_from, promise.arrives_by
        return line
    start = calendar.order_day(placed_at)
    notice = catalog.active_notice(start)
    line.notice_title = notice.title if notice else None
    line.notice_extra_days = notice.extra_days if notice else 0
    if customer.size_known:
        line.mto_path = "size_known"
        promise = calendar.made_to_order_promise(start, line.notice_extra_days, transit=option.business_days)
        line.ships_by, line.arrives_from, line.arrives_by = promise.ships_by, promise.arrives_from, promise.arrives_by
    else:
        line.mto_path = "fitting_first"
        fitting = calendar.in_stock_promise(placed_at, ships=policy.FITTING_PAIR_SHIPS)
        line.fitting_ships_from, line.fitting_ships_by = fitting.ships_from, fitting.ships_by
    return line


def complete_checkout(session_id: str, gateway: PaymentGateway, actor: str = "customer") -> Order:
    """Turn a paid provider session into an order, exactly once.

    Raises NotFound (unknown session) or PaymentFailed (declined, cancelled, a pair
    sold out meanwhile): in that case no order exists and no stock is held, and the
    checkout keeps the message to show. The caller commits either way.
    """
    checkout = db.session.scalar(select(Checkout).where(Checkout.payment_session == session_id))
    if checkout is None:
        raise NotFound("We could not find that payment.")
    if checkout.order is not None:
        return checkout.order

    result = gateway.retrieve(session_id)
    if result.status in ("failed", "cancelled", "voided"):
        checkout.status = "open"
        checkout.failure_message = FAILURE_MESSAGES.get(result.failure_code or "", FAILURE_MESSAGES["card_declined"])
        raise PaymentFailed(checkout.failure_message)
    if result.status not in ("authorized", "captured"):
        raise PaymentFailed("Your payment is not finished yet. Please complete it on the payment page.")
    # Keys name the payment, not only the checkout: one checkout may see several attempts.
    keys = f"checkout:{checkout.token}:{result.payment_ref}"
    if result.amount_cents != checkout.total_cents or result.mode != checkout.payment_mode:
        _release(gateway, result.payment_ref, f"{keys}:void")
        return _fail(checkout, "Your payment did not match your order, so nothing was charged. Please try again.")
    try:
        option = shipping.shipping_option(checkout.country, checkout.shipping_method,
                                          checkout.subtotal_cents, clock.now())
    except DomainError:
        _release(gateway, result.payment_ref, f"{keys}:void")
        return _fail(checkout, "That shipping option is no longer offered; nothing was charged. Please choose again.")

    # Claim: of several requests racing to place this order, exactly one gets here.
    claimed = db.session.execute(
        update(Checkout).where(Checkout.id == checkout.id, Checkout.status == "paying").values(status="placing")
    )
    if claimed.rowcount != 1:
        db.session.refresh(checkout)
        if checkout.order is not None:
            return checkout.order
        raise PaymentFailed("This payment is already being processed. Please refresh in a moment.")

    taken, sold_out = _take_stock(checkout.lines)
    if sold_out is not None:
        _release(gateway, result.payment_ref, f"{keys}:void")
        return _fail(checkout, (
            f"Sorry: the last {sold_out.colour.style.name} in {sold_out.colour.name}, size "
            f"{sold_out.size_label}, sold while you were paying. Your card was not charged. "
            "It can still be made to order: check your cart and try again."
        ))
    # Capture before anything of the order is written: if it fails, the stock goes
    # back and there is no order to undo.
    try:
        gateway.capture(result.payment_ref, checkout.total_cents, idempotency_key=f"{keys}:capture")
    except PaymentError:
        _put_back(taken)
        _release(gateway, result.payment_ref, f"{keys}:void")
        return _fail(checkout, "We could not take the payment, so you were not charged. Please try again.")
    return _place_order(checkout, result, option, actor, gateway.name)


def _fail(checkout: Checkout, message: str):
    """No order: the checkout opens again and remembers why, for the form."""
    checkout.status = "open"
    checkout.failure_message = message
    raise PaymentFailed(message)


def _release(gateway: PaymentGateway, payment_ref: str | None, key: str) -> None:
    """Void a hold we will not capture. If the provider refuses (already voided,
    expired), there is nothing to release, and the hold lapses on its own."""
    if not payment_ref:
        return
    try:
        gateway.void(payment_ref, idempotency_key=key)
    except PaymentError:
        log.warning("Could not void payment %s; it will lapse.", payment_ref)


def _place_order(checkout: Checkout, result, option: ShippingOption, actor: str, provider: str) -> Order:
    moment = clock.now()
    customer = _customer_for(checkout, moment)
    variants = {
        v.id: v for v in db.session.scalars(
            select(Variant).where(Variant.id.in_([l["variant_id"] for l in checkout.lines]))
        )
    }
    landed = LandedCostQuote.from_dict(checkout.quote)
    order = Order(
        number=new_order_number(), token=secrets.token_urlsafe(32), checkout_id=checkout.id,
        customer_id=customer.id, email=checkout.email, email_canonical=canonical_email(checkout.email),
        shipping_method=checkout.shipping_method, duties_collected=landed.collected,
        payment_provider=provider, payment_ref=result.payment_ref,
        payment_mode=checkout.payment_mode, card_brand=result.card_brand or "",
        card_last4=result.card_last4 or "", card_funding=result.card_funding or "", placed_at=moment,
        subtotal_cents=checkout.subtotal_cents, shipping_cents=checkout.shipping_cents,
        duties_cents=checkout.duties_cents, taxes_cents=checkout.taxes_cents,
        total_cents=checkout.total_cents, quote=checkout.quote,
    )
    db.session.add(order)
    for field in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
        setattr(order, field, getattr(checkout, field))
    order.lines = [_order_line(s, variants[s["variant_id"]], customer, option, moment) for s in checkout.lines]
    if checkout.payment_mode == "installments":
        paid_note = f"In {policy.INSTALLMENT_COUNT} installments through the pay-later provider."
    else:
        brand = (result.card_brand or "card").capitalize()
        paid_note = f"{brand} ending {result.card_last4}." if result.card_last4 else f"{brand}."
    order.events = [
        OrderEvent(kind="placed", at=moment, actor=actor, note=""),
        OrderEvent(kind="paid", at=moment, actor="system", note=paid_note),
    ]
    checkout.status = "placed"
    db.session.flush()
    db.session.refresh(checkout, ["order"])

    enqueue_email(to=order.email, subject=f"Your ALLY order #{order.number}", template="order_confirmation",
                  kind="order_confirmation", order_id=order.id, order=order, status_url=status_url(order))
    return order


def refund_after_failed_commit(gateway: PaymentGateway, checkout_token: str, payment_ref: str, amount_cents: int) -> None:
    """Give the money back when the order could not be saved after a capture."""
    gateway.refund(payment_ref, amount_cents, idempotency_key=f"checkout:{checkout_token}:refund")


def find_checkout(token: str | None) -> Checkout | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Checkout).where(Checkout.token == token))
