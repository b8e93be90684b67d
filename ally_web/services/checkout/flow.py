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

import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER, SYSTEM, Actor
from ally_web.core.emails import canonical_email, normalize_email
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.formatting import money_in
from ally_web.core.lifecycle import ChangedMeanwhile, IllegalTransition
from ally_web.core.tokens import could_be_token
from ally_web.extensions import db
from ally_web.gateways.payments import FAILURE_MESSAGES, PaymentError, PaymentGateway
from ally_web.models import (
    Checkout,
    CheckoutStatus,
    Customer,
    EventKind,
    MadeToOrderPath,
    MadeToOrderState,
    Order,
    OrderLine,
    PaymentMode,
    Variant,
)
from ally_web.services.cart import Cart
from ally_web.services.catalog import (
    MadeToOrderPlan,
    made_to_order_plan,
    put_back,
    skips_fitting_pair,
    take_stock,
    upcoming_notices,
)
from ally_web.services.checkout.addresses import Address, check_address, normalized, region_code
from ally_web.services.checkout.states import CHECKOUT
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import new_order_number, order_installments, order_local_total, status_url
from ally_web.services.orders.states import MADE_TO_ORDER, record_production_started
from ally_web.services.pricing import (
    LocalEstimate,
    calendar,
    installment_offer,
    international_returns_note,
    landed_cost,
    local_estimate,
    shipping,
)
from ally_web.services.pricing.installments import InstallmentOffer
from ally_web.services.pricing.landed_cost import LandedCostQuote
from ally_web.services.pricing.sales_tax import SalesTaxQuote
from ally_web.services.pricing.sales_tax import sales_tax as us_sales_tax
from ally_web.services.pricing.shipping import ShippingOption

log = logging.getLogger(__name__)


class CheckoutInvalid(DomainError):
    """Several fields are wrong at once; `errors` maps field → message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


class PaymentFailed(DomainError):
    """The provider did not take the payment; nothing was charged."""


# --- Quoting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutQuote:
    country: str
    options: tuple[ShippingOption, ...]
    option: ShippingOption
    landed: LandedCostQuote
    subtotal_cents: int
    installments: InstallmentOffer
    made_to_order: MadeToOrderPlan | None = None  # both paths' dates with this shipping option
    sales_tax: SalesTaxQuote | None = None  # US sales tax, line by line (None: none due)

    @property
    def sales_tax_cents(self) -> int:
        return self.sales_tax.total_cents if self.sales_tax else 0

    @property
    def charged_now_cents(self) -> int:
        return (self.subtotal_cents + self.option.price_cents + self.landed.charged_at_checkout_cents
                + self.sales_tax_cents)

    @property
    def returns_note(self) -> str | None:
        """For shoppers abroad: who pays to send a pair back, and the tracking it needs."""
        return international_returns_note(self.country)

    @property
    def local_total(self) -> LocalEstimate | None:
        """About what the total comes to in the shopper's currency (None at home)."""
        return local_estimate(self.country, self.charged_now_cents)

    @property
    def duties_cents(self) -> int:
        return self.landed.duties_cents

    @property
    def taxes_cents(self) -> int:
        return self.landed.taxes_cents


def quote_checkout(cart: Cart, country: str, region: str = "", method: str | None = None,
                   at: datetime | None = None) -> CheckoutQuote:
    """Price the cart for a destination. Raises DomainError for a country we don't
    serve (field "country") or a Canadian address without a province ("region")."""
    at = at or clock.now()
    subtotal = cart.subtotal_cents
    options = tuple(shipping.shipping_options(country, subtotal, at))
    option = next((o for o in options if o.code == method), options[0])
    landed = landed_cost.quote(country, subtotal, option.price_cents, region_code(country, region) or region or None)
    taxed = us_sales_tax(country, region_code(country, region),
                         [(line.unit_price_cents, line.quantity) for line in cart.lines])
    total = subtotal + option.price_cents + landed.charged_at_checkout_cents + taxed.total_cents
    plan = None
    if cart.has_made_to_order:
        plan = made_to_order_plan(at, upcoming_notices(at.date()), transit=option.business_days)
    return CheckoutQuote(country, options, option, landed, subtotal,
                         installment_offer(country, cart.has_made_to_order, total, at.date()), plan,
                         taxed if taxed.state else None)


# --- Starting a checkout ---------------------------------------------------------------------


@dataclass
class CheckoutInput:
    email: str
    address: Address
    shipping_method: str
    payment_mode: str  # card or installments
    confirms_age: bool = False
    confirms_us_residence: bool = False
    shown_total_cents: int | None = None  # the total on the button pressed, when the page sent it


def _cart_snapshot(cart: Cart, quote: CheckoutQuote) -> list[dict[str, Any]]:
    taxes = quote.sales_tax.line_cents if quote.sales_tax else tuple(0 for _ in cart.lines)
    return [
        {"variant_id": line.variant.id, "quantity": line.quantity,
         "unit_price_cents": line.unit_price_cents, "made_to_order": line.made_to_order,
         "sales_tax_cents": tax}
        for line, tax in zip(cart.lines, taxes, strict=True)
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
    if data.payment_mode not in set(PaymentMode):
        errors["payment_mode"] = "Please choose how you'd like to pay."
    elif data.payment_mode == "installments" and quote is not None:
        if not quote.installments.available:
            errors["payment_mode"] = quote.installments.reason
        else:
            if not data.confirms_age:
                errors["confirms_age"] = f"Installments need you to be {policy.INSTALLMENT_MIN_AGE} or older."
            if not data.confirms_us_residence:
                errors["confirms_us_residence"] = "Installments need you to live in the United States."
    if (not errors and quote is not None and data.shown_total_cents is not None
            and data.shown_total_cents != quote.charged_now_cents):
        # Without JavaScript the totals follow the address only on "Update": never send
        # the shopper to pay an amount the page did not show them.
        errors["form"] = (f"With this address your total is {money_in(quote.charged_now_cents, quote.country)}. "
                          "Please check it below, then continue to payment.")
    if errors:
        raise CheckoutInvalid(errors)
    assert quote is not None  # no quote means a country error above

    moment = clock.now()
    being_confirmed = DomainError("Your payment is being confirmed. Please wait a moment, then refresh the page.")
    if existing is not None and existing.status is CheckoutStatus.PLACING:
        raise being_confirmed
    checkout = existing if existing is not None and existing.status is not CheckoutStatus.PLACED else Checkout(
        token=secrets.token_urlsafe(32), created_at=moment
    )
    # Claim the checkout for this attempt before releasing the last one's hold: if a
    # webhook is placing the order from that hold right now, this move fails instead.
    try:
        transition(checkout, CHECKOUT, CheckoutStatus.PAYING, actor=CUSTOMER)
    except ChangedMeanwhile:
        raise being_confirmed from None
    _release_previous_attempt(checkout, gateway)
    checkout.email = email
    for field in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
        setattr(checkout, field, getattr(address, field))
    checkout.shipping_method = quote.option.code
    checkout.payment_mode = PaymentMode(data.payment_mode)
    checkout.lines = _cart_snapshot(cart, quote)
    checkout.subtotal_cents = quote.subtotal_cents
    checkout.shipping_cents = quote.option.price_cents
    checkout.duties_cents = quote.duties_cents
    checkout.taxes_cents = quote.taxes_cents
    checkout.sales_tax_cents = quote.sales_tax_cents
    checkout.total_cents = quote.charged_now_cents
    local = quote.local_total
    checkout.quote = {**quote.landed.to_dict(), "local_total": local.to_dict() if local else None,
                      "sales_tax": quote.sales_tax.to_dict() if quote.sales_tax else None}
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
        made_to_order=snapshot["made_to_order"], sales_tax_cents=int(snapshot.get("sales_tax_cents", 0)),
    )
    if not line.made_to_order:
        promise = option.promise
        line.ships_from, line.ships_by = promise.ships_from, promise.ships_by
        line.arrives_from, line.arrives_by = promise.arrives_from, promise.arrives_by
        return line
    # The same plan the product page, cart and checkout showed; now one path applies.
    plan = made_to_order_plan(placed_at, upcoming_notices(clock.to_store_time(placed_at).date()),
                              transit=option.business_days)
    line.notice_title = plan.notice_title
    line.notice_extra_days = plan.extra_days
    if skips_fitting_pair(customer, variant.size_halves, variant.width):
        line.mto_path = MadeToOrderPath.SIZE_KNOWN
        transition(line, MADE_TO_ORDER, MadeToOrderState.IN_PRODUCTION, actor=SYSTEM)
        line.production_started_on = calendar.order_day(placed_at)
        promise = plan.size_known
        line.ships_by, line.arrives_from, line.arrives_by = promise.ships_by, promise.arrives_from, promise.arrives_by
    else:
        line.mto_path = MadeToOrderPath.FITTING_FIRST
        transition(line, MADE_TO_ORDER, MadeToOrderState.AWAITING_FITTING_PAIR, actor=SYSTEM)
        fitting = plan.fitting_pair_ships
        line.fitting_ships_from, line.fitting_ships_by = fitting.ships_from, fitting.ships_by
    return line


def complete_checkout(session_id: str, gateway: PaymentGateway, actor: Actor = CUSTOMER) -> Order:
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
        return _fail(checkout, FAILURE_MESSAGES.get(result.failure_code or "", FAILURE_MESSAGES["card_declined"]))
    if result.status not in ("authorized", "captured"):
        raise PaymentFailed("Your payment is not finished yet. Please complete it on the payment page.")
    if result.payment_ref is None:
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
    try:
        transition(checkout, CHECKOUT, CheckoutStatus.PLACING, actor=actor)
    except (ChangedMeanwhile, IllegalTransition):
        db.session.refresh(checkout)
        if checkout.order is not None:
            return checkout.order
        raise PaymentFailed("This payment is already being processed. Please refresh in a moment.") from None

    number = new_order_number()  # chosen now so the stock ledger can name the order
    taken, sold_out_id = take_stock(
        ((line["variant_id"], line["quantity"]) for line in checkout.lines if not line["made_to_order"]),
        note=f"Order #{number}",
    )
    if sold_out_id is not None:
        sold_out = db.session.get_one(Variant, sold_out_id)
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
        put_back(taken, note=f"Order #{number} (not placed)")
        _release(gateway, result.payment_ref, f"{keys}:void")
        return _fail(checkout, "We could not take the payment, so you were not charged. Please try again.")
    return _place_order(checkout, result, option, actor, gateway.name, number)


def _fail(checkout: Checkout, message: str):
    """No order: the checkout opens again and remembers why, for the form."""
    if checkout.status is not CheckoutStatus.OPEN:  # a repeated failure (page and webhook) moves it once
        try:
            transition(checkout, CHECKOUT, CheckoutStatus.OPEN, actor=SYSTEM)
        except ChangedMeanwhile:  # the other one got there first and kept the reason
            raise PaymentFailed(message) from None
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


def _place_order(checkout: Checkout, result, option: ShippingOption, actor: Actor, provider: str,
                 number: str) -> Order:
    moment = clock.now()
    customer = _customer_for(checkout, moment)
    variants = {
        v.id: v for v in db.session.scalars(
            select(Variant).where(Variant.id.in_([l["variant_id"] for l in checkout.lines]))
        )
    }
    landed = LandedCostQuote.from_dict(checkout.quote)
    order = Order(
        number=number, token=secrets.token_urlsafe(32), checkout_id=checkout.id,
        customer_id=customer.id, email=checkout.email, email_canonical=canonical_email(checkout.email),
        shipping_method=checkout.shipping_method, duties_collected=landed.collected,
        payment_provider=provider, payment_ref=result.payment_ref,
        payment_mode=checkout.payment_mode, card_brand=result.card_brand or "",
        card_last4=result.card_last4 or "", card_funding=result.card_funding or "", placed_at=moment,
        subtotal_cents=checkout.subtotal_cents, shipping_cents=checkout.shipping_cents,
        duties_cents=checkout.duties_cents, taxes_cents=checkout.taxes_cents,
        sales_tax_cents=checkout.sales_tax_cents, total_cents=checkout.total_cents, quote=checkout.quote,
    )
    db.session.add(order)
    for field in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
        setattr(order, field, getattr(checkout, field))
    order.lines = [_order_line(s, variants[s["variant_id"]], customer, option, moment) for s in checkout.lines]
    record_event(order, EventKind.PLACED, actor, moment)
    record_event(order, EventKind.PAID, SYSTEM, moment, mode=str(checkout.payment_mode),
                 installments=policy.INSTALLMENT_COUNT if checkout.payment_mode is PaymentMode.INSTALLMENTS else 0,
                 card_brand=result.card_brand or "", card_last4=result.card_last4 or "")
    db.session.flush()  # the lines' ids, for their timeline entries
    for line in order.lines:
        if line.mto_path is MadeToOrderPath.SIZE_KNOWN:  # in production from the order, as a confirmed fit starts it
            record_production_started(order, line, SYSTEM, moment)
    transition(checkout, CHECKOUT, CheckoutStatus.PLACED, actor=actor)
    db.session.flush()
    db.session.refresh(checkout, ["order"])

    enqueue_email(to=order.email, subject=f"Your ALLY order #{order.number}", template="order_confirmation",
                  kind="order_confirmation", order_id=order.id, order=order, status_url=status_url(order),
                  local_total=order_local_total(order), installments=order_installments(order))
    return order


def refund_after_failed_commit(gateway: PaymentGateway, checkout_token: str, payment_ref: str,
                               amount_cents: int) -> None:
    """Give the money back when the order could not be saved after a capture."""
    gateway.refund(payment_ref, amount_cents, idempotency_key=f"checkout:{checkout_token}:refund")


def return_shows_order(order: Order, browser_tokens: Iterable[str | None], within: timedelta) -> bool:
    """May the payment return address show `order` to this browser?

    Only to the browser that paid (its session holds the checkout's token) and only
    for `within` after the order was placed: the return address lingers in a shared
    computer's history, and anyone else, or later, is sent to the order lookup.
    """
    if order.checkout is None:  # a trial box: nothing was paid at a checkout
        return False
    token = order.checkout.token
    paid_here = any(held and hmac.compare_digest(held, token) for held in browser_tokens)
    return paid_here and clock.now() - order.placed_at <= within


def find_checkout(token: str | None) -> Checkout | None:
    if not could_be_token(token):
        return None
    return db.session.scalar(select(Checkout).where(Checkout.token == token))
