"""Carrier scans: where a parcel is, from staff or the carrier-tracking webhook.

A shipment's state is its most advanced scan (delivered beats out for delivery
beats in transit), so scans that arrive late, out of order or twice never move a
parcel backwards. The delivery scan sets the delivery date, which opens the return
window (and, later, the trial window), and emails the customer.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import OrderEvent, Shipment, ShipmentScan

SCAN_KINDS = {
    "in_transit": "In transit",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "held_at_customs": "Held at customs",
    "exception": "Delivery problem",
}
# How far along each scan puts a parcel. Customs holds and exceptions happen on the way.
PROGRESS = {"in_transit": 1, "held_at_customs": 1, "exception": 1, "out_for_delivery": 2, "delivered": 3}


@dataclass(frozen=True)
class ShipmentState:
    code: str  # shipped (no scan yet) or a scan kind
    label: str
    at: datetime | None
    location: str


def shipment_state(shipment: Shipment) -> ShipmentState:
    if not shipment.scans:
        return ShipmentState("shipped", "Shipped", shipment.shipped_at, "")
    latest = max(shipment.scans, key=lambda s: (PROGRESS[s.kind], s.at, s.id))
    return ShipmentState(latest.kind, SCAN_KINDS[latest.kind], latest.at, latest.location)


def record_scan(shipment: Shipment, kind: str, at: datetime, source: str, location: str = "",
                event_id: str | None = None) -> bool:
    """Add a scan; True when it moved the shipment forward. Flushes, never commits."""
    if kind not in SCAN_KINDS:
        raise DomainError("Please choose one of the scan types listed.", field="kind")
    if event_id and db.session.scalar(select(ShipmentScan.id).where(ShipmentScan.event_id == event_id)):
        return False  # the same tracking event, delivered again
    before = shipment_state(shipment)
    moment = clock.now()
    scan = ShipmentScan(kind=kind, at=at, recorded_at=moment, location=location[:120], source=source[:160],
                        event_id=event_id)
    shipment.scans.append(scan)
    db.session.flush()
    after = shipment_state(shipment)
    moved = after != before
    if not moved:
        return False
    note = f"{shipment.carrier} {shipment.tracking_number}" + (f", {location}" if location else "")
    shipment.order.events.append(OrderEvent(kind=kind, at=moment, actor=source, note=note))
    if kind == "delivered" and shipment.delivered_at is None:
        shipment.delivered_at = at
        _email_delivered(shipment)
    db.session.flush()
    return True


def _email_delivered(shipment: Shipment) -> None:
    from ally_web.services.notifications import enqueue_email
    from ally_web.services.order_links import status_url

    order = shipment.order
    enqueue_email(to=order.email, subject=f"Your ALLY order #{order.number} was delivered",
                  template="order_delivered", kind="order_delivered", order_id=order.id,
                  order=order, shipment=shipment, status_url=status_url(order))


def find_shipment(carrier: str, tracking_number: str) -> Shipment | None:
    return db.session.scalar(
        select(Shipment).where(Shipment.carrier == carrier, Shipment.tracking_number == tracking_number)
    )


SIGNATURE_HEADER = "X-Tracking-Signature"


@dataclass(frozen=True)
class ScanEvent:
    event_id: str
    carrier: str
    tracking_number: str
    kind: str
    at: datetime
    location: str


def parse_event(event: dict) -> ScanEvent:
    """A tracking-service event, checked; raises KeyError/ValueError/DomainError."""
    from ally_web.gateways.carriers import get_carrier

    carrier = get_carrier(str(event["carrier"]))
    at = datetime.fromisoformat(str(event["occurred_at"]))
    if at.tzinfo is None:
        raise ValueError("occurred_at needs a time zone")
    kind = str(event["status"])
    if kind not in SCAN_KINDS:
        raise ValueError("unknown status")
    return ScanEvent(
        event_id=str(event["event_id"])[:100],
        carrier=carrier.name,
        tracking_number=carrier.validate_tracking_number(str(event["tracking_number"])),
        kind=kind,
        at=at,
        location=str(event.get("location") or "")[:120],
    )


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    if not header:
        return False
    # Bytes on both sides: compare_digest refuses non-ASCII strings, and headers are client input.
    return hmac.compare_digest(signature(body, secret).encode(), header.strip().encode("utf-8", "replace"))
