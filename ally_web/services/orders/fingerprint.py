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

It is one statement: the order's row, with each related table's rows as one JSON
array. The status page is the page opened most often, and each statement pays the
execution's fixed cost (about 30 microseconds on SQLite), more than the rows cost.
A table's rows are aggregated in id order; if a database ever aggregated them in
another order, the fingerprint would change and the page would be rendered again:
a wasted render, never a stale page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, FromClause, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ally_web.core.tokens import could_be_token
from ally_web.extensions import db
from ally_web.models import Order, OrderEvent, OrderKind, OrderLine, ReturnRequest, Shipment, ShipmentScan


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
    db.session.flush()  # as the ORM's reads would: the rows as this session has them (free when clean)
    connection = db.session.connection()
    row = connection.execute(_statement(connection.dialect.name), {"token": token}).one_or_none()
    if row is None:
        return None
    digest = hashlib.blake2b(repr(tuple(row)).encode(), digest_size=16).hexdigest()
    return OrderFingerprint(token, row.id, row.number, row.kind == OrderKind.TRIAL, digest)


@cache
def _statement(dialect: str) -> Select:
    """The order's row and, after its columns, one JSON array per table it owns."""
    orders, parcels, scans = Order.__table__, Shipment.__table__, ShipmentScan.__table__
    owned = [(table, table, table.c.order_id == orders.c.id)
             for table in (OrderLine.__table__, OrderEvent.__table__, ReturnRequest.__table__, parcels)]
    owned.append((scans, scans.join(parcels, parcels.c.id == scans.c.shipment_id), parcels.c.order_id == orders.c.id))
    return select(orders, *(_rows_as_json(dialect, orders, *each) for each in owned)).where(
        orders.c.token == bindparam("token"))


def _rows_as_json(dialect: str, orders: FromClause, table: FromClause, source: FromClause,
                  belongs: ColumnElement[bool]) -> ColumnElement:
    """Every column of every row of ``table`` that ``belongs`` to the order, in id
    order, as one JSON array (NULL when there is none)."""
    if dialect == "postgresql":
        as_array = func.json_build_array(*table.c)
        return (select(func.json_agg(aggregate_order_by(as_array, table.c.id)))
                .select_from(source).where(belongs).scalar_subquery())
    # SQLite's aggregate takes rows in the order its FROM gives them.
    ordered = select(table).select_from(source).where(belongs).order_by(table.c.id).correlate(orders).subquery()
    return select(func.json_group_array(func.json_array(*ordered.c))).scalar_subquery()
