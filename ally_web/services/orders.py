"""Reading orders, and the status a customer sees (derived, never stored twice)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.carriers import get_carrier
from ally_web.models import Order, Shipment
from ally_web.services import calendar, catalog, tracking
from ally_web.templating import long_day


def with_everything():
    """Load options for a page that shows a whole order: a fixed number of queries."""
    return (
        selectinload(Order.lines),
        selectinload(Order.events),
        selectinload(Order.shipments).selectinload(Shipment.lines),
        selectinload(Order.shipments).selectinload(Shipment.scans),
    )


def find_by_token(token: str) -> Order | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Order).where(Order.token == token).options(*with_everything()))


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


# --- The status page ------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentView:
    shipment: Shipment
    state: tracking.ShipmentState
    tracking_url: str
    moving: bool  # shipped and not yet delivered: the page keeps refreshing


@dataclass(frozen=True)
class Action:
    """Something the customer can do about this order now, or why not."""

    title: str
    detail: str
    available: bool


@dataclass(frozen=True)
class StatusView:
    state: OrderStatus
    shipments: tuple[ShipmentView, ...]
    moving: bool
    notice: object | None  # the lead-time notice active today, if any
    actions: tuple[Action, ...]


def _return_action(order: Order, today) -> Action:
    title = "Return or exchange"
    delivered = [s.delivered_at for s in order.shipments if s.delivered_at]
    if not delivered:
        return Action(title, f"Once your order is delivered you have {policy.RETURN_WINDOW_DAYS} days "
                             "to return or exchange unworn pairs.", False)
    closes = calendar.return_window_closes_at(clock.to_store_time(max(delivered)).date())
    days_left = (closes.date() - today).days
    if days_left < 0:
        return Action(title, f"The {policy.RETURN_WINDOW_DAYS}-day return window closed on {long_day(closes.date())}.", False)
    when = "today is the last day" if days_left == 0 else f"{days_left} day{'s' if days_left != 1 else ''} left, until {long_day(closes.date())}"
    return Action(title, f"Unworn pairs can be returned or exchanged: {when}. Online requests are opening soon; "
                         f"for now write to {policy.CONTACT_EMAIL} with your order number.", True)


def _fit_action(order: Order) -> Action | None:
    fitting = [line for line in order.lines if line.mto_path == "fitting_first"]
    if not fitting:
        return None
    return Action("Confirm your fit", "When your fitting pair arrives, try it on and tell us how it fits: "
                  f"email {policy.CONTACT_EMAIL} or text {policy.CONTACT_PHONE} (the online fit form is on its way). "
                  "Then send the fitting pair back with the prepaid label.", True)


def status_view(order: Order) -> StatusView:
    today = clock.now().date()
    shipments = []
    for shipment in order.shipments:
        state = tracking.shipment_state(shipment)
        url = get_carrier(shipment.carrier).tracking_url(shipment.tracking_number)
        shipments.append(ShipmentView(shipment, state, url, shipment.delivered_at is None))
    actions = [_return_action(order, today)]
    fit = _fit_action(order)
    if fit:
        actions.append(fit)
    has_mto = any(line.made_to_order for line in order.lines)
    return StatusView(
        state=order_status(order),
        shipments=tuple(shipments),
        moving=any(s.moving for s in shipments),
        notice=catalog.active_notice(today) if has_mto else None,
        actions=tuple(actions),
    )
