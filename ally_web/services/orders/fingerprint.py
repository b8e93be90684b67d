"""A fingerprint of everything an order's status page is made from.

The status page is opened again and again (it refreshes itself while a parcel is
moving), and each time the order's rows are mostly unchanged. Reading them as plain
rows and hashing them costs a fraction of loading them as objects and rendering the
page, so the web layer keeps the rendered order under this fingerprint and renders
again only when it changes.

The fingerprint covers every column of every row the page reads: the order, its
lines, events, parcels, their scans, and its return requests. Any change to any of
them - through a service, a compare-and-set update or by hand in SQL - gives a new
fingerprint; nothing relies on a change also writing a timeline event. A table the
page starts reading must be added here (tests/test_order_page_cache.py changes a
column in each table read here and checks that the page follows).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select

from ally_web.core.tokens import could_be_token
from ally_web.extensions import db
from ally_web.models import Order, OrderEvent, OrderKind, OrderLine, ReturnRequest, Shipment, ShipmentScan

_ORDERS = Order.__table__
_ORDER = select(_ORDERS).where(_ORDERS.c.token == bindparam("token"))
# Every row the status page shows, as plain rows (no objects), in a fixed order.
_ROWS_OF_ORDER: tuple[Select, ...] = (
    select(OrderLine.__table__).where(OrderLine.order_id == bindparam("order_id")).order_by(OrderLine.id),
    select(OrderEvent.__table__).where(OrderEvent.order_id == bindparam("order_id")).order_by(OrderEvent.id),
    select(ReturnRequest.__table__).where(ReturnRequest.order_id == bindparam("order_id"))
    .order_by(ReturnRequest.id),
)
_PARCELS = select(Shipment.__table__).where(Shipment.order_id == bindparam("order_id")).order_by(Shipment.id)
_SCANS = (select(ShipmentScan.__table__).join(Shipment, Shipment.id == ShipmentScan.shipment_id)
          .where(Shipment.order_id == bindparam("order_id")).order_by(ShipmentScan.id))


@dataclass(frozen=True)
class OrderFingerprint:
    token: str
    order_id: int
    number: str
    is_trial: bool
    digest: str  # changes whenever anything the status page shows changes


def order_fingerprint(token: str) -> OrderFingerprint | None:
    """The fingerprint of the order behind ``token``; None when there is none."""
    if not could_be_token(token):
        return None
    connection = db.session.connection()
    order = connection.execute(_ORDER, {"token": token}).one_or_none()
    if order is None:
        return None
    digest = hashlib.blake2b(repr(tuple(order)).encode(), digest_size=16)
    params = {"order_id": order.id}
    for statement in _ROWS_OF_ORDER:
        digest.update(repr(connection.execute(statement, params).all()).encode())
    parcels = connection.execute(_PARCELS, params).all()
    digest.update(repr(parcels).encode())
    if parcels:  # scans belong to parcels: an order not shipped yet has none
        digest.update(repr(connection.execute(_SCANS, params).all()).encode())
    return OrderFingerprint(token, order.id, order.number, order.kind == OrderKind.TRIAL, digest.hexdigest())
