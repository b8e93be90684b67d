"""Carrier scans: where a parcel is, from staff or the carrier-tracking webhook.

Every scan is kept. A shipment's state is its most advanced scan (delivered beats out
for delivery beats in transit; among scans equally far along, the latest), so scans
that arrive late, out of order or twice never move a parcel backwards. When a new
scan becomes the most advanced one, the shipment moves through its lifecycle
(``states.SHIPMENT``) and the order's timeline records it. The delivery scan sets the
delivery date, which opens the return window (and, later, the trial window), and
emails the customer.

A parcel's delivery also moves what it carried: made-to-order pairs in it become
delivered; a fitting pair on loan becomes delivered (its fit result is due next);
a fitting pair's return parcel reaching the studio records that the loaner is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.gateways.carriers import get_carrier
from ally_web.models import (
    EventKind,
    MadeToOrderState,
    OrderLine,
    ScanKind,
    Shipment,
    ShipmentPurpose,
    ShipmentScan,
    ShipmentState,
)
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders.links import status_url
from ally_web.services.orders.states import MADE_TO_ORDER, SHIPMENT

STATE_LABELS = {
    ShipmentState.SHIPPED: "Shipped",
    ShipmentState.IN_TRANSIT: "In transit",
    ShipmentState.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentState.DELIVERED: "Delivered",
    ShipmentState.HELD_AT_CUSTOMS: "Held at customs",
    ShipmentState.EXCEPTION: "Delivery problem",
}
# What staff may record, in the order of the form's choices.
SCAN_KINDS = {kind.value: STATE_LABELS[ShipmentState(kind)] for kind in ScanKind}
# How far along each scan puts a parcel. Customs holds and exceptions happen on the way.
PROGRESS = {ScanKind.IN_TRANSIT: 1, ScanKind.HELD_AT_CUSTOMS: 1, ScanKind.EXCEPTION: 1,
            ScanKind.OUT_FOR_DELIVERY: 2, ScanKind.DELIVERED: 3}


@dataclass(frozen=True)
class ShipmentProgress:
    """Where a parcel is, for the pages: its state and the scan that put it there."""

    code: ShipmentState
    label: str
    at: datetime | None
    location: str


def _leading_scan(shipment: Shipment) -> ShipmentScan | None:
    if not shipment.scans:
        return None
    return max(shipment.scans, key=lambda s: (PROGRESS[s.kind], s.at, s.id or 0))


def shipment_progress(shipment: Shipment) -> ShipmentProgress:
    scan = _leading_scan(shipment)
    if scan is None:
        return ShipmentProgress(ShipmentState.SHIPPED, STATE_LABELS[ShipmentState.SHIPPED], shipment.shipped_at, "")
    return ShipmentProgress(shipment.state, STATE_LABELS[shipment.state], scan.at, scan.location)


def parse_scan_kind(raw: str) -> ScanKind:
    try:
        return ScanKind(raw)
    except ValueError:
        raise DomainError("Please choose one of the scan types listed.", field="kind") from None


def record_scan(shipment: Shipment, kind: str, at: datetime, actor: Actor, location: str = "",
                event_id: str | None = None) -> bool:
    """Keep a scan; True when it moved the shipment forward. Flushes, never commits."""
    scan_kind = parse_scan_kind(kind)
    if event_id and scan_event_known(event_id):
        return False  # the same tracking event, delivered again
    scan = ShipmentScan(kind=scan_kind, at=at, recorded_at=clock.now(), location=location[:120], event_id=event_id)
    scan.actor = actor
    shipment.scans.append(scan)
    db.session.flush()
    for _ in range(3):
        if _leading_scan(shipment) is not scan:
            return False  # late, or not further along than what we know
        try:
            transition(shipment, SHIPMENT, ShipmentState(scan_kind), actor=actor, order=shipment.order,
                       carrier=shipment.carrier, tracking_number=shipment.tracking_number, location=scan.location,
                       **_parcel_param(shipment))
            break
        except ChangedMeanwhile:
            # Another scan of this parcel moved it first: look again with its scan in.
            db.session.refresh(shipment, ["state", "scans"])
    else:
        raise ChangedMeanwhile("This parcel keeps changing; please try again.")
    if scan_kind is ScanKind.DELIVERED and shipment.delivered_at is None:
        shipment.delivered_at = at
        _delivered(shipment, actor, at)
    db.session.flush()
    return True


def _parcel_param(shipment: Shipment) -> dict[str, Any]:
    """Timeline events of a fitting pair's parcels say which parcel they are about."""
    return {} if shipment.purpose is ShipmentPurpose.PAIRS else {"parcel": str(shipment.purpose)}


def _delivered(shipment: Shipment, actor: Actor, at: datetime) -> None:
    order = shipment.order
    if shipment.purpose is ShipmentPurpose.PAIRS:
        for line in shipment.lines:
            if line.mto_state is MadeToOrderState.SHIPPED:
                transition(line, MADE_TO_ORDER, MadeToOrderState.DELIVERED, actor=actor, order=order)
        _email_delivered(shipment)
    elif shipment.purpose is ShipmentPurpose.FITTING_PAIR:
        for line in db.session.scalars(select(OrderLine).where(OrderLine.fitting_shipment_id == shipment.id)):
            # The customer may have sent the fit result first (saying it had arrived).
            if line.mto_state is MadeToOrderState.FITTING_PAIR_SHIPPED:
                transition(line, MADE_TO_ORDER, MadeToOrderState.FITTING_PAIR_DELIVERED, actor=actor, order=order,
                           at=at, line_id=line.id)
    elif shipment.purpose is ShipmentPurpose.FITTING_RETURN:
        record_event(order, EventKind.FITTING_PAIR_RETURNED, actor, at, carrier=shipment.carrier,
                     tracking_number=shipment.tracking_number)
    # A customer's return parcel: its delivery tells staff to expect it; they record
    # it received when they open it (services/returns).


def scan_event_known(event_id: str) -> bool:
    """Is this tracking event kept already? Two copies racing each other both find it
    missing; the unique event_id lets only one in, and the other asks again here."""
    return db.session.scalar(select(ShipmentScan.id).where(ShipmentScan.event_id == event_id)) is not None


def _email_delivered(shipment: Shipment) -> None:
    order = shipment.order
    if order.is_trial:
        return  # the trial's own email says it arrived, with the window's last day (services/trial)
    enqueue_email(to=order.email, subject=f"Your ALLY order #{order.number} was delivered",
                  template="order_delivered", kind="order_delivered", order_id=order.id,
                  order=order, shipment=shipment, status_url=status_url(order))


def find_shipment(carrier: str, tracking_number: str) -> Shipment | None:
    return db.session.scalar(
        select(Shipment).where(Shipment.carrier == carrier, Shipment.tracking_number == tracking_number)
    )


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
