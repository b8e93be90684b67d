"""Staff ship the pairs of an order that are ready (in stock, or made to order and
finished in the workshop), print their labels and record deliveries.

Every function takes the actor explicitly, appends to the order's timeline, flushes
and never commits: the view commits once. Rules that refuse a request raise
``DomainError`` (with ``field`` naming the form field when there is one) *before*
anything is changed.
"""

from __future__ import annotations

from sqlalchemy import CursorResult, select, update

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.gateways.carriers import ALLY_STUDIO, Address, LabelRequest, get_carrier
from ally_web.models import (
    EventKind,
    MadeToOrderState,
    Order,
    OrderLine,
    OrderState,
    ScanKind,
    Shipment,
    ShipmentPurpose,
)
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import links, tracking
from ally_web.services.orders.states import MADE_TO_ORDER

# Label service names for the order's shipping method.
_SERVICES = {"us-standard": "Ground", "trial": "Ground", "standard": "International Standard",
             "express": "International Express"}


def order_page_url(order: Order) -> str:
    """The customer's order status page: a signed email link that opens it without
    signing in (``links.py``)."""
    return links.status_url(order, links.EMAIL)


def ready_to_ship(line: OrderLine) -> bool:
    """In stock, or made to order and finished; and not yet in a box."""
    if line.shipment_id is not None:
        return False
    return not line.made_to_order or line.mto_state is MadeToOrderState.MADE


def lines_to_fulfil(order: Order) -> list[OrderLine]:
    """The pairs ready for a box: in stock, or made to order and finished. A trial
    box's pairs ship from its own page, once their checklist is done."""
    if order.cancelled or order.is_trial:
        return []
    return [line for line in order.lines if ready_to_ship(line)]


def tracking_url(shipment: Shipment) -> str | None:
    """The carrier's public tracking page, or None if the number no longer checks out."""
    try:
        return get_carrier(shipment.carrier).tracking_url(shipment.tracking_number)
    except DomainError:
        return None


def _pairs(lines: list[OrderLine]) -> int:
    return sum(line.quantity for line in lines)


def _hold_uncancelled(order: Order) -> None:
    """Lock the order's row while it is still not cancelled, so a cancel and a
    shipment (or two cancels) racing each other cannot both go through: the second
    waits for the first to commit, then finds the order changed."""
    held: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(Order).where(Order.id == order.id, Order.state == OrderState.PLACED).values(state=OrderState.PLACED)
    )
    if held.rowcount != 1:
        raise DomainError("This order was cancelled meanwhile; nothing was changed.")


def unused_tracking_number(carrier_name: str, tracking_number: str, field: str = "tracking_number") -> tuple[str, str]:
    """(carrier, number), checked: a carrier we ship with, the carrier's format, and
    not on any parcel yet. Raises DomainError naming ``field``."""
    carrier = get_carrier(carrier_name or "")
    try:
        number = carrier.validate_tracking_number(tracking_number or "")
    except DomainError as error:
        raise DomainError(error.message, field=field) from None
    used = db.session.scalar(
        select(Order.number).join(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.carrier == carrier.name, Shipment.tracking_number == number)
    )
    if used is not None:
        raise DomainError(f"That {carrier.name} tracking number is already used on order #{used}.", field=field)
    return carrier.name, number


def ship_ready_pairs(order: Order, carrier_name: str, tracking_number: str, actor: Actor) -> Shipment:
    """Box the pairs ready to ship (``lines_to_fulfil``) under one tracking number,
    and tell the customer (tracking link and order page link). Made-to-order pairs
    move from made to shipped.

    Raises DomainError: cancelled order or nothing to ship (no field), unknown carrier
    ("carrier"), a number that is not the carrier's format or already used
    ("tracking_number").
    """
    if order.cancelled:
        raise DomainError("This order was cancelled: nothing ships.")
    if order.is_trial:
        raise DomainError("This is a trial box: it ships from its trial page, once its checklist is done.")
    lines = lines_to_fulfil(order)
    if not lines:
        raise DomainError("No pair of this order is waiting for a box: the in-stock pairs have already shipped, "
                          "and a made-to-order pair ships once the workshop marks it made.")
    carrier_name, number = unused_tracking_number(carrier_name, tracking_number)
    carrier = get_carrier(carrier_name)

    _hold_uncancelled(order)
    moment = clock.now()
    shipment = Shipment(order=order, carrier=carrier.name, tracking_number=number, shipped_at=moment)
    for line in lines:
        line.shipment = shipment
        if line.made_to_order:
            transition(line, MADE_TO_ORDER, MadeToOrderState.SHIPPED, actor=actor, order=order)
    pairs = _pairs(lines)
    record_event(order, EventKind.SHIPPED, actor, moment, pairs=pairs, carrier=carrier.name, tracking_number=number)
    db.session.flush()
    link = carrier.tracking_url(number)
    enqueue_email(
        to=order.email, subject=f"Your ALLY order #{order.number} is on its way",
        template="order_shipped", kind="order_shipped", order_id=order.id,
        order=order, shipment=shipment, lines=lines, carrier=carrier.name,
        tracking_number=number, tracking_url=link,
        status_url=order_page_url(order),
        still_to_come=[line for line in order.lines if line.shipment_id is None],
        made_to_order=any(line.made_to_order for line in lines),
    )
    return shipment


def _customer_address(order: Order) -> Address:
    return Address(
        name=order.name, lines=tuple(line for line in (order.line1, order.line2) if line),
        city=order.city, region=order.region, postal_code=order.postal_code,
        country_code=order.country, phone=order.phone,
    )


def _service(order: Order) -> str:
    return _SERVICES.get(order.shipping_method, order.shipping_method or "Ground")


def prepaid_return_label(order: Order, carrier_name: str, tracking_number: str, reference: str) -> bytes:
    """A 4×6 prepaid label from the customer back to the studio, to go in a box: a
    fitting pair's way back, or a trial box's."""
    carrier = get_carrier(carrier_name)
    return carrier.make_label(LabelRequest(
        carrier=carrier.name, tracking_number=tracking_number, service=_service(order),
        ship_to=ALLY_STUDIO, ship_from=_customer_address(order), order_number=order.number, reference=reference,
    ))


def label_pdf(shipment: Shipment) -> bytes:
    """The 4×6 label for ``shipment``: to the customer (pairs, a fitting pair, returned
    pairs refused at inspection and sent back), or, for a prepaid return parcel (a
    fitting pair's, a trial box's, a return's), from the customer back to the studio."""
    order = shipment.order
    if shipment.purpose is ShipmentPurpose.FITTING_RETURN:
        return prepaid_return_label(order, shipment.carrier, shipment.tracking_number,
                                    "Fitting pair return (prepaid)")
    if shipment.purpose is ShipmentPurpose.RETURN:
        return prepaid_return_label(order, shipment.carrier, shipment.tracking_number,
                                    "Trial return (prepaid)" if order.is_trial else "Return (prepaid)")
    carrier = get_carrier(shipment.carrier)
    customer = _customer_address(order)
    service = _service(order)
    pairs = _pairs(shipment.lines)
    reference = f"{pairs} pair{'s' if pairs != 1 else ''}" if pairs else ""
    if shipment.purpose is ShipmentPurpose.FITTING_PAIR:
        reference = "Fitting pair + measurement kit"
    elif shipment.purpose is ShipmentPurpose.SENT_BACK:
        reference = "Returned pairs not accepted, sent back"
    return carrier.make_label(LabelRequest(
        carrier=carrier.name, tracking_number=shipment.tracking_number, service=service,
        ship_to=customer, order_number=order.number, reference=reference,
    ))


def mark_delivered(shipment: Shipment, actor: Actor) -> bool:
    """Record the delivery as a staff scan (``tracking.py``): sets the
    delivery date once, appends the "delivered" event and emails the customer.
    Returns False, changing nothing, if the shipment was already delivered."""
    if shipment.delivered_at is not None:
        return False
    return tracking.record_scan(shipment, ScanKind.DELIVERED, clock.now(), actor)
