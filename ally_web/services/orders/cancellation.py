"""Cancelling an order nothing of which has shipped: the stock goes back, the whole
amount is refunded, the timeline and the customer are told."""

from __future__ import annotations

from sqlalchemy import func, select

from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.formatting import card
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.gateways.payments import PaymentError, get_gateway
from ally_web.models import EventKind, MovementReason, Order, OrderState, Shipment, ShipmentPurpose
from ally_web.services.catalog import put_back
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import links
from ally_web.services.orders.states import ORDER

MAX_REASON_LENGTH = 500


def cancel_order(order: Order, actor: Actor, reason: str) -> None:
    """Cancel an order nothing of which has shipped: stock goes back on the shelf, the
    whole amount is refunded (idempotency key ``order:<number>:cancel-refund``), the
    timeline gets "cancelled" and "refunded", and the customer an email.

    Admin only: the view checks the role. Raises DomainError: no reason ("reason"),
    already cancelled, something shipped, or the refund refused (nothing changed).
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Please say why the order is cancelled; the customer's email quotes it.",
                          field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(f"Please keep the reason under {MAX_REASON_LENGTH} characters.", field="reason")
    if order.cancelled:
        raise DomainError("This order is already cancelled.")
    if order.is_trial:
        raise DomainError("This is a trial box: cancel it from its trial page, which releases the card hold.")
    if order.parcels:  # a fitting pair on loan does not stop a cancellation
        raise DomainError(
            "Part of this order has already shipped, so it can no longer be cancelled. "
            "Start a return for the shipped pairs instead."
        )

    # Claim the cancellation (a conditional UPDATE): of two cancels racing, the
    # second finds it done.
    try:
        transition(order, ORDER, OrderState.CANCELLED, actor=actor, order=order, reason=reason)
    except ChangedMeanwhile:
        raise DomainError("This order is already cancelled.") from None
    if db.session.scalar(select(func.count(Shipment.id)).where(Shipment.order_id == order.id,
                                                               Shipment.purpose == ShipmentPurpose.PAIRS)):
        raise DomainError("Part of this order shipped meanwhile, so it can no longer be cancelled.")

    # Then the refund: if the provider refuses, the view rolls the claim back.
    try:
        result = get_gateway().refund(
            order.payment_ref, order.total_cents, idempotency_key=f"order:{order.number}:cancel-refund"
        )
    except PaymentError as error:
        raise DomainError(f"The refund did not go through ({error.message}), so the order was not "
                          "cancelled. Please try again or check the payment provider.") from error

    put_back(((line.variant_id, line.quantity) for line in order.lines if not line.made_to_order),
             reason=MovementReason.ORDER_CANCELLED, actor=actor, note=f"Order #{order.number}")
    record_event(order, EventKind.REFUNDED, actor, amount_cents=order.total_cents, card_brand=order.card_brand,
                 card_last4=order.card_last4, provider_status=result.status)
    db.session.flush()
    card_words = card(order.card_brand, order.card_last4) if order.card_last4 else "the original payment"
    enqueue_email(
        to=order.email, subject=f"Your ALLY order #{order.number} is cancelled",
        template="order_cancelled", kind="order_cancelled", order_id=order.id,
        order=order, reason=reason, refunded_cents=order.total_cents, card=card_words,
        status_url=links.status_url(order, links.EMAIL),
    )
