"""Finding orders: one whole order in a fixed number of queries, and the staff search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from ally_web.core.emails import canonical_email
from ally_web.core.pagination import PER_PAGE, Page, page_of, requested_page
from ally_web.core.tokens import could_be_token
from ally_web.extensions import db
from ally_web.models import Order, OrderEvent, OrderLine, Shipment, ShipmentScan
from ally_web.services.orders.numbers import normalize_order_number
from ally_web.services.orders.status import parse_status, status_condition

MAX_QUERY_LENGTH = 254  # the longest email address; nothing longer can match


# One order's page (the customer's status page on every poll, the staff order page)
# loads the whole order with statements built once and bound to it: selectinload
# options build their statements anew on every load, which cost twice what running
# them did.
_BY_TOKEN = select(Order).where(Order.token == bindparam("token"))
_BY_ID = select(Order).where(Order.id == bindparam("order_id"))
_LINES = select(OrderLine).where(OrderLine.order_id == bindparam("order_id")).order_by(OrderLine.id)
_EVENTS = (select(OrderEvent).where(OrderEvent.order_id == bindparam("order_id"))
           .order_by(OrderEvent.at, OrderEvent.id))
_SHIPMENTS = select(Shipment).where(Shipment.order_id == bindparam("order_id")).order_by(Shipment.id)
_SHIPPED_LINES = (select(OrderLine).where(OrderLine.shipment_id.in_(bindparam("shipment_ids", expanding=True)))
                  .order_by(OrderLine.id))
_SCANS = (select(ShipmentScan).where(ShipmentScan.shipment_id.in_(bindparam("shipment_ids", expanding=True)))
          .order_by(ShipmentScan.at, ShipmentScan.id))


def _with_everything_loaded(order: Order | None) -> Order | None:
    """Fill `order`'s lines, events and shipments (with their lines and scans), in the
    relationships' own order: four queries, six when it has parcels."""
    if order is None:
        return None
    params = {"order_id": order.id}
    set_committed_value(order, "lines", db.session.scalars(_LINES, params).all())
    set_committed_value(order, "events", db.session.scalars(_EVENTS, params).all())
    shipments = db.session.scalars(_SHIPMENTS, params).all()
    set_committed_value(order, "shipments", shipments)
    if shipments:
        by_shipment: dict[int, tuple[list[OrderLine], list[ShipmentScan]]] = {s.id: ([], []) for s in shipments}
        ids = {"shipment_ids": list(by_shipment)}
        for line in db.session.scalars(_SHIPPED_LINES, ids):
            by_shipment[line.shipment_id][0].append(line)  # type: ignore[index]
        for scan in db.session.scalars(_SCANS, ids):
            by_shipment[scan.shipment_id][1].append(scan)
        for shipment in shipments:
            lines, scans = by_shipment[shipment.id]
            set_committed_value(shipment, "lines", lines)
            set_committed_value(shipment, "scans", scans)
    return order


def find_by_token(token: str) -> Order | None:
    """The order behind a customer's link, with everything its pages show."""
    if not could_be_token(token):
        return None
    return _with_everything_loaded(db.session.scalar(_BY_TOKEN, {"token": token}))


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
    conditions: list[ColumnElement[bool]] = []
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
    conditions: list[ColumnElement[bool]] = []
    match = _query_condition(query)
    if match is not None:
        conditions.append(match)
    status = parse_status(status)
    if status is not None:
        conditions.append(status_condition(status))
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
    return db.session.scalar(select(func.count(Order.id)).where(status_condition(status))) or 0


def get_order(order_id: int) -> Order | None:
    """One order with everything its staff page shows, in a fixed number of queries."""
    return _with_everything_loaded(db.session.scalar(_BY_ID, {"order_id": order_id}))


def get_shipment(order: Order, shipment_id: int) -> Shipment | None:
    """The shipment `shipment_id` of `order`; None if it belongs to another order."""
    return next((s for s in order.shipments if s.id == shipment_id), None)


# --- Shipping ---------------------------------------------------------------------------
