"""Reading orders, and the status a customer sees (derived, never stored twice)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ally_web.extensions import db
from ally_web.models import Order


def find_by_token(token: str) -> Order | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.token == token)
        .options(selectinload(Order.lines), selectinload(Order.events), selectinload(Order.shipments))
    )


@dataclass(frozen=True)
class OrderStatus:
    code: str
    label: str
    explanation: str


def order_status(order: Order) -> OrderStatus:
    """What the order's lines and events add up to, in plain words."""
    kinds = {event.kind for event in order.events}
    if "cancelled" in kinds:
        return OrderStatus("cancelled", "Cancelled", "This order was cancelled and refunded.")
    shipments = order.shipments
    if shipments and all(s.delivered_at for s in shipments) and all(l.shipment_id for l in order.lines):
        return OrderStatus("delivered", "Delivered", "Everything in this order has been delivered.")
    if shipments:
        waiting = [l for l in order.lines if l.shipment_id is None]
        if waiting:
            return OrderStatus("partly_shipped", "Partly shipped", "Some pairs are on their way; the rest follow.")
        return OrderStatus("shipped", "On its way", "Your order has shipped.")
    if all(l.made_to_order for l in order.lines):
        return OrderStatus("made_to_order", "Being made for you", "Your made-to-order pairs are under way.")
    return OrderStatus("preparing", "Preparing to ship", "We're packing your order.")
