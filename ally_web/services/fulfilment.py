"""Staff work on orders: find them, ship the in-stock pairs, mark deliveries, cancel.

Every function takes the actor explicitly (e.g. ``"staff: Sam Rivera"``), appends to
the order's timeline, flushes and never commits: the view commits once. Rules that
refuse a request raise ``DomainError`` (with ``field`` naming the form field when
there is one) *before* anything is changed, so a refused request leaves nothing
behind even if the caller forgot to roll back.

The status shown for an order is derived from its lines and events
(``services.orders.order_status``); ``STATUS_FILTERS`` expresses the same rules in
SQL so a filtered list is one query, whatever the number of orders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from ally_web.core import clock
from ally_web.core.emails import canonical_email
from ally_web.core.errors import DomainError
from ally_web.core.pagination import PER_PAGE, Page, page_of, requested_page
from ally_web.extensions import db
from ally_web.gateways.carriers import Address, LabelRequest, get_carrier
from ally_web.gateways.payments import PaymentError, get_gateway
from ally_web.models import Order, OrderEvent, OrderLine, Shipment, Variant
from ally_web.services import order_links, tracking
from ally_web.services.checkout import normalize_order_number
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import with_everything
from ally_web.templating import money

MAX_QUERY_LENGTH = 254  # the longest email address; nothing longer can match
MAX_REASON_LENGTH = 500

# Label service names for the order's shipping method.
_SERVICES = {"us-standard": "Ground", "standard": "International Standard", "express": "International Express"}


# --- Finding orders ------------------------------------------------------------------


def _has_event(kind: str) -> ColumnElement[bool]:
    return exists().where(OrderEvent.order_id == Order.id, OrderEvent.kind == kind)


def _has_shipment() -> ColumnElement[bool]:
    return exists().where(Shipment.order_id == Order.id)


def _has_undelivered_shipment() -> ColumnElement[bool]:
    return exists().where(Shipment.order_id == Order.id, Shipment.delivered_at.is_(None))


def _has_unshipped_line() -> ColumnElement[bool]:
    return exists().where(OrderLine.order_id == Order.id, OrderLine.shipment_id.is_(None))


def _has_in_stock_line() -> ColumnElement[bool]:
    return exists().where(OrderLine.order_id == Order.id, OrderLine.made_to_order.is_(False))


def _has_in_stock_line_to_ship() -> ColumnElement[bool]:
    return exists().where(
        OrderLine.order_id == Order.id, OrderLine.made_to_order.is_(False), OrderLine.shipment_id.is_(None)
    )


def _status_condition(code: str) -> ColumnElement[bool]:
    """SQL for "the derived status is `code`", mirroring ``order_status`` rule by rule."""
    cancelled = _has_event("cancelled")
    live = not_(cancelled)
    if code == "cancelled":
        return cancelled
    if code == "to_fulfil":  # a work queue: in-stock pairs waiting for a box
        return and_(live, _has_in_stock_line_to_ship())
    if code == "delivered":
        return and_(live, _has_shipment(), not_(_has_undelivered_shipment()), not_(_has_unshipped_line()))
    if code == "partly_shipped":
        return and_(live, _has_shipment(), _has_unshipped_line())
    if code == "shipped":
        return and_(live, _has_shipment(), not_(_has_unshipped_line()), _has_undelivered_shipment())
    if code == "made_to_order":
        return and_(live, not_(_has_shipment()), not_(_has_in_stock_line()))
    if code == "preparing":
        return and_(live, not_(_has_shipment()), _has_in_stock_line())
    raise ValueError(f"unknown status filter {code!r}")


# What the status select offers: value → label. "to_fulfil" is a queue, the others
# are the derived statuses of services.orders.order_status.
STATUS_FILTERS: dict[str, str] = {
    "to_fulfil": "To fulfil (in-stock pairs waiting)",
    "preparing": "Preparing to ship",
    "made_to_order": "Being made",
    "partly_shipped": "Partly shipped",
    "shipped": "On its way",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


def parse_status(raw: Any) -> str | None:
    """A status filter from a query string; anything unknown means "all"."""
    return raw if isinstance(raw, str) and raw in STATUS_FILTERS else None


def parse_page(raw: Any) -> int:
    """``?page=`` as typed; anything that is not a page number means page 1."""
    return requested_page(raw) or 1


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _query_condition(query: str) -> ColumnElement[bool] | None:
    """Order number (case, spaces, dashes and '#' forgiven; exact or prefix) or email
    (canonical form, exact or prefix)."""
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        return None
    conditions = []
    email = canonical_email(query)
    conditions.append(Order.email_canonical.like(_like_prefix(email), escape="\\"))
    if "@" not in query:
        number = normalize_order_number(query)
        text = number.replace("-", "")
        if text:
            if len(text) >= 8:
                conditions.append(Order.number == number)
            else:  # a prefix of a number: "K7M2 9" → "K7M2-9%"
                prefix = text[:4] + ("-" + text[4:] if len(text) > 4 else "")
                conditions.append(Order.number.like(_like_prefix(prefix), escape="\\"))
    return or_(*conditions)


def search_orders(query: str, status: str | None, page: int, per_page: int = PER_PAGE) -> Page:
    """Orders matching `query` and `status`, newest first, one page of them.

    Five statements per page (the count, the page, then its lines, events and
    shipments by selectinload), whatever the number of orders. `page` is clamped to 1..pages.
    """
    conditions = []
    match = _query_condition(query)
    if match is not None:
        conditions.append(match)
    status = parse_status(status)
    if status is not None:
        conditions.append(_status_condition(status))
    total = db.session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    try:
        requested = int(page)
    except (TypeError, ValueError, OverflowError):
        requested = 1
    number, pages = page_of(total, requested, per_page)
    items = list(db.session.scalars(
        select(Order)
        .where(*conditions)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
        .options(selectinload(Order.lines), selectinload(Order.events), selectinload(Order.shipments))
    ))
    return Page(number=number, pages=pages, total=total, items=items)


def count_orders(status: str) -> int:
    """How many orders have `status` (one of STATUS_FILTERS), e.g. the dashboard's
    "to fulfil" queue: one COUNT query."""
    return db.session.scalar(select(func.count(Order.id)).where(_status_condition(status))) or 0


def get_order(order_id: int) -> Order | None:
    """One order with everything its staff page shows, in a fixed number of queries."""
    return db.session.scalar(select(Order).where(Order.id == order_id).options(*with_everything()))


def get_shipment(order: Order, shipment_id: int) -> Shipment | None:
    """The shipment `shipment_id` of `order`; None if it belongs to another order."""
    return next((s for s in order.shipments if s.id == shipment_id), None)


# --- Shipping ---------------------------------------------------------------------------


def order_page_url(order: Order) -> str:
    """The customer's order status page: a signed email link that opens it without
    signing in (``services/order_links.py``)."""
    return order_links.status_url(order, order_links.EMAIL)


def is_cancelled(order: Order) -> bool:
    return order.cancelled_at is not None or any(e.kind == "cancelled" for e in order.events)


def lines_to_fulfil(order: Order) -> list[OrderLine]:
    """In-stock lines not yet in a box (made-to-order pairs follow their own path)."""
    if is_cancelled(order):
        return []
    return [line for line in order.lines if not line.made_to_order and line.shipment_id is None]


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
    held = db.session.execute(
        update(Order).where(Order.id == order.id, Order.cancelled_at.is_(None)).values(cancelled_at=None)
    )
    if held.rowcount != 1:
        raise DomainError("This order was cancelled meanwhile; nothing was changed.")


def fulfil_in_stock_lines(order: Order, carrier_name: str, tracking_number: str, actor: str) -> Shipment:
    """Box the in-stock pairs waiting to ship, under one tracking number, and tell the
    customer (tracking link and order page link).

    Raises DomainError: cancelled order or nothing to ship (no field), unknown carrier
    ("carrier"), a number that is not the carrier's format or already used
    ("tracking_number").
    """
    if is_cancelled(order):
        raise DomainError("This order was cancelled: nothing ships.")
    lines = lines_to_fulfil(order)
    if not lines:
        raise DomainError("Every in-stock pair of this order has already shipped.")
    carrier = get_carrier(carrier_name or "")
    number = carrier.validate_tracking_number(tracking_number or "")
    used = db.session.scalar(
        select(Order.number).join(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.carrier == carrier.name, Shipment.tracking_number == number)
    )
    if used is not None:
        raise DomainError(f"That {carrier.name} tracking number is already used on order #{used}.",
                          field="tracking_number")

    _hold_uncancelled(order)
    moment = clock.now()
    shipment = Shipment(order=order, carrier=carrier.name, tracking_number=number, shipped_at=moment)
    for line in lines:
        line.shipment = shipment
    pairs = _pairs(lines)
    order.events.append(OrderEvent(
        kind="shipped", at=moment, actor=actor,
        note=f"{pairs} pair{'s' if pairs != 1 else ''} by {carrier.name}, tracking {number}.",
    ))
    db.session.flush()
    link = carrier.tracking_url(number)
    enqueue_email(
        to=order.email, subject=f"Your ALLY order #{order.number} is on its way",
        template="order_shipped", kind="order_shipped", order_id=order.id,
        order=order, shipment=shipment, lines=lines, carrier=carrier.name,
        tracking_number=number, tracking_url=link,
        status_url=order_page_url(order),
        still_to_come=[line for line in order.lines if line.shipment_id is None],
    )
    return shipment


def label_pdf(shipment: Shipment) -> bytes:
    """The 4×6 label for `shipment`, addressed to the order's shipping address."""
    order = shipment.order
    carrier = get_carrier(shipment.carrier)
    pairs = _pairs(shipment.lines)
    return carrier.make_label(LabelRequest(
        carrier=carrier.name,
        tracking_number=shipment.tracking_number,
        service=_SERVICES.get(order.shipping_method, order.shipping_method or "Ground"),
        ship_to=Address(
            name=order.name, lines=tuple(line for line in (order.line1, order.line2) if line),
            city=order.city, region=order.region, postal_code=order.postal_code,
            country_code=order.country, phone=order.phone,
        ),
        order_number=order.number,
        reference=f"{pairs} pair{'s' if pairs != 1 else ''}" if pairs else "",
    ))


def mark_delivered(shipment: Shipment, actor: str) -> bool:
    """Record the delivery as a staff scan (``services/tracking.py``): sets the
    delivery date once, appends the "delivered" event and emails the customer.
    Returns False, changing nothing, if the shipment was already delivered."""
    if shipment.delivered_at is not None:
        return False
    return tracking.record_scan(shipment, "delivered", clock.now(), actor)


# --- Cancelling ---------------------------------------------------------------------------


def cancel_order(order: Order, actor: str, reason: str) -> None:
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
    if is_cancelled(order):
        raise DomainError("This order is already cancelled.")
    if order.shipments:
        raise DomainError(
            "Part of this order has already shipped, so it can no longer be cancelled. "
            "Start a return for the shipped pairs instead."
        )

    # Claim the cancellation: of two cancels racing, the second finds it done.
    moment = clock.now()
    claimed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.cancelled_at.is_(None)).values(cancelled_at=moment)
    )
    if claimed.rowcount != 1:
        raise DomainError("This order is already cancelled.")
    if db.session.scalar(select(func.count(Shipment.id)).where(Shipment.order_id == order.id)):
        raise DomainError("Part of this order shipped meanwhile, so it can no longer be cancelled.")

    # Then the refund: if the provider refuses, the view rolls the claim back.
    try:
        result = get_gateway().refund(
            order.payment_ref, order.total_cents, idempotency_key=f"order:{order.number}:cancel-refund"
        )
    except PaymentError as error:
        raise DomainError(f"The refund did not go through ({error.message}), so the order was not "
                          "cancelled. Please try again or check the payment provider.") from error

    for line in order.lines:
        if not line.made_to_order:
            db.session.execute(
                update(Variant).where(Variant.id == line.variant_id).values(stock=Variant.stock + line.quantity)
            )
    order.cancelled_at = moment
    card = f"{order.card_brand.capitalize() or 'card'} ending {order.card_last4}" if order.card_last4 else "the original payment"
    order.events.append(OrderEvent(kind="cancelled", at=moment, actor=actor, note=reason))
    order.events.append(OrderEvent(
        kind="refunded", at=moment, actor=actor,
        note=f"{money(order.total_cents)} refunded to {card} ({result.status}).",
    ))
    db.session.flush()
    enqueue_email(
        to=order.email, subject=f"Your ALLY order #{order.number} is cancelled",
        template="order_cancelled", kind="order_cancelled", order_id=order.id,
        order=order, reason=reason, refunded_cents=order.total_cents, card=card,
        status_url=order_page_url(order),
    )
