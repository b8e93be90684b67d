"""The status a customer sees, derived from the order's state, lines and shipments
(never stored twice), and the same rules as SQL filters for the staff lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from ally_web.models import MadeToOrderState, Order, OrderKind, OrderLine, OrderState, Shipment, ShipmentPurpose

# A made-to-order pair in one of these states is not being made yet: its fit comes first.
BEFORE_PRODUCTION = (
    MadeToOrderState.AWAITING_FITTING_PAIR,
    MadeToOrderState.FITTING_PAIR_SHIPPED,
    MadeToOrderState.FITTING_PAIR_DELIVERED,
    MadeToOrderState.FIT_SUBMITTED,
    MadeToOrderState.FIT_CONFIRMED,
)


@dataclass(frozen=True)
class OrderStatus:
    code: str
    label: str
    explanation: str


# A trial box is an order too, but its way (curated, window, decisions) is the
# trial's (services/trial): staff run it from the trial pages, never the fulfil queue.
TRIAL_STATUS = OrderStatus("trial", "At-home trial", "A trial box: see its own page for where it is.")


def order_status(order: Order) -> OrderStatus:
    """What the order's lines and parcels add up to, in plain words. Fitting pairs on
    loan are not the order's parcels: they never make an order "shipped"."""
    if order.is_trial:
        return TRIAL_STATUS
    if order.cancelled:
        return OrderStatus("cancelled", "Cancelled", "This order was cancelled and refunded.")
    shipments = order.parcels
    if shipments and all(s.delivered_at for s in shipments) and all(l.shipment_id for l in order.lines):
        return OrderStatus("delivered", "Delivered", "Everything in this order has been delivered.")
    if shipments:
        waiting = [l for l in order.lines if l.shipment_id is None]
        if waiting:
            return OrderStatus("partly_shipped", "Partly shipped", "Some pairs are on their way; the rest follow.")
        return OrderStatus("shipped", "On its way", "Your order has shipped.")
    if all(l.made_to_order for l in order.lines):
        if any(l.mto_state in BEFORE_PRODUCTION for l in order.lines):
            return OrderStatus("fitting", "Fitting first",
                               "We confirm your fit with a fitting pair before we make your pair.")
        return OrderStatus("made_to_order", "Being made for you", "Your made-to-order pairs are under way.")
    return OrderStatus("preparing", "Preparing to ship", "We're packing your order.")



def _has_shipment() -> ColumnElement[bool]:
    return exists().where(Shipment.order_id == Order.id, Shipment.purpose == ShipmentPurpose.PAIRS)


def _has_undelivered_shipment() -> ColumnElement[bool]:
    return exists().where(Shipment.order_id == Order.id, Shipment.purpose == ShipmentPurpose.PAIRS,
                          Shipment.delivered_at.is_(None))


def _has_line_before_production() -> ColumnElement[bool]:
    return exists().where(OrderLine.order_id == Order.id, OrderLine.mto_state.in_(BEFORE_PRODUCTION))


def _has_unshipped_line() -> ColumnElement[bool]:
    return exists().where(OrderLine.order_id == Order.id, OrderLine.shipment_id.is_(None))


def _has_in_stock_line() -> ColumnElement[bool]:
    return exists().where(OrderLine.order_id == Order.id, OrderLine.made_to_order.is_(False))


def _has_line_ready_to_ship() -> ColumnElement[bool]:
    """In stock, or made to order and finished; not yet in a box (``fulfilment.ready_to_ship``)."""
    return exists().where(
        OrderLine.order_id == Order.id, OrderLine.shipment_id.is_(None),
        or_(OrderLine.made_to_order.is_(False), OrderLine.mto_state == MadeToOrderState.MADE),
    )


def status_condition(code: str) -> ColumnElement[bool]:
    """SQL for "the derived status is `code`", mirroring ``order_status`` above rule by rule."""
    purchase = Order.kind == OrderKind.PURCHASE
    if code == "trial":
        return Order.kind == OrderKind.TRIAL
    return and_(purchase, _purchase_condition(code))


def _purchase_condition(code: str) -> ColumnElement[bool]:
    cancelled = Order.state == OrderState.CANCELLED
    live = Order.state != OrderState.CANCELLED
    if code == "cancelled":
        return cancelled
    if code == "to_fulfil":  # a work queue: pairs waiting for a box (a trial box has its own queue)
        return and_(live, Order.kind != OrderKind.TRIAL, _has_line_ready_to_ship())
    if code == "delivered":
        return and_(live, _has_shipment(), not_(_has_undelivered_shipment()), not_(_has_unshipped_line()))
    if code == "partly_shipped":
        return and_(live, _has_shipment(), _has_unshipped_line())
    if code == "shipped":
        return and_(live, _has_shipment(), not_(_has_unshipped_line()), _has_undelivered_shipment())
    if code == "fitting":
        return and_(live, not_(_has_shipment()), not_(_has_in_stock_line()), _has_line_before_production())
    if code == "made_to_order":
        return and_(live, not_(_has_shipment()), not_(_has_in_stock_line()), not_(_has_line_before_production()))
    if code == "preparing":
        return and_(live, not_(_has_shipment()), _has_in_stock_line())
    raise ValueError(f"unknown status filter {code!r}")


# What the status select offers: value → label. "to_fulfil" is a queue, the others
# are the derived statuses of services.orders.order_status.
STATUS_FILTERS: dict[str, str] = {
    "to_fulfil": "To fulfil (pairs waiting for a box)",
    "preparing": "Preparing to ship",
    "fitting": "Fitting first",
    "made_to_order": "Being made",
    "partly_shipped": "Partly shipped",
    "shipped": "On its way",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "trial": "At-home trial boxes",
}


def parse_status(raw: Any) -> str | None:
    """A status filter from a query string; anything unknown means "all"."""
    return raw if isinstance(raw, str) and raw in STATUS_FILTERS else None
