"""A trial box on its way: shipping it with its labels, and its delivery opening the
window.

Shipping a ready box (``curated``) puts the round's pairs in one parcel (a
``Shipment`` of the box's order, tracked like any parcel: carrier scans, the
tracking webhook, staff scans) and issues the prepaid return label that goes in the
box: a second tracking number from the carrier, kept on the "trial shipped"
timeline event (``return_label``), whose PDF is drawn on demand, addressed to the
studio. The return parcel itself is opened once the customer decides what goes back.

The delivery scan (``services/orders/tracking``) does not know about trials (the
orders package may not import this one). So the box follows its parcel here:
``sync_box`` moves a shipped box whose parcel is delivered to ``delivered``, dating
the window from the scan (not from when we noticed): it ends at 23:59:59 New York
time ``policy.TRIAL_WINDOW_DAYS`` days after the delivery day, and a different size
may be asked for until ``policy.TRIAL_SIZE_EXCHANGE_HOURS`` after the delivery (in
the first round only: a second round opens the window again but allows no further
exchange). The job ``open_windows`` does the same for every shipped box, and the
pages call ``sync_box`` so the window is right the moment the scan lands. The move
is a compare-and-set on the box's state, in the same transaction as the customer's
email, so two runners (or a runner and a page) open a window and email once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import SYSTEM, Actor
from ally_web.core.errors import DomainError
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.gateways.carriers import get_carrier
from ally_web.models import (
    EventKind,
    Order,
    OrderLine,
    OrderState,
    Shipment,
    ShipmentPurpose,
    TrialBox,
    TrialPair,
    TrialState,
)
from ally_web.services.lifecycle import transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import (
    label_pdf,
    prepaid_return_label,
    status_url,
    tracking_url,
    unused_tracking_number,
)
from ally_web.services.orders import record_scan as orders_record_scan
from ally_web.services.pricing import calendar
from ally_web.services.trial.curation import current_round, pair_label, round_pairs
from ally_web.services.trial.states import TRIAL


@dataclass(frozen=True)
class ReturnLabel:
    carrier: str
    tracking_number: str
    round: int


def _order(box: TrialBox) -> Order:
    if box.order is None:
        raise DomainError("This trial has no order yet.")
    return box.order


def box_shipment(box: TrialBox, number: int | None = None) -> Shipment | None:
    """The parcel that carried a round's pairs (the latest round by default)."""
    pairs = round_pairs(box, number if number is not None else max((p.round for p in box.pairs), default=1))
    return next((p.line.shipment for p in pairs if p.line.shipment is not None), None)


def return_parcel(box: TrialBox) -> Shipment | None:
    """The box's prepaid return parcel, once the customer has pairs to send back."""
    order = box.order
    if order is None:
        return None
    return next((s for s in order.shipments if s.purpose is ShipmentPurpose.RETURN), None)


def ship(box: TrialBox, carrier: str, tracking_number: str, actor: Actor) -> Shipment:
    """Hand a ready box to the carrier under ``tracking_number`` (checked like an
    order's: the carrier's format, not used on any parcel yet), issue its prepaid
    return label, and email the customer: the pairs (new or sample), the tracking
    link, and that the days start on delivery.

    Raises DomainError: not ready (no field), unknown carrier ("carrier"), a number
    that is not the carrier's or already used ("tracking_number").
    """
    if box.state is not TrialState.CURATED:
        raise DomainError("Only a box marked ready ships: choose its pairs, tick the checklist, then Box ready.")
    order = _order(box)
    if order.state is not OrderState.PLACED:
        raise DomainError("This trial's order was cancelled: nothing ships.")
    carrier_name, number = unused_tracking_number(carrier, tracking_number)
    number_of_round = current_round(box)  # before its pairs are in the parcel
    pairs = round_pairs(box, number_of_round)
    back = get_carrier(carrier_name).issue_tracking_number()
    moment = clock.now()
    shipment = Shipment(order=order, carrier=carrier_name, tracking_number=number, shipped_at=moment)
    for pair in pairs:
        pair.line.shipment = shipment
    db.session.flush()
    transition(box, TRIAL, TrialState.SHIPPED, actor=actor, order=order, at=moment, pairs=len(pairs),
               carrier=carrier_name, tracking_number=number, return_tracking_number=back,
               shipment_id=shipment.id, round=number_of_round)
    box.updated_at = moment
    db.session.flush()
    enqueue_email(
        to=order.email, subject=f"Your ALLY trial box #{order.number} is on its way",
        template="trial_shipped", kind="trial_shipped", order_id=order.id, order=order, box=box,
        pairs=[(pair_label(p), p) for p in pairs], carrier=carrier_name, tracking_number=number,
        tracking_url=tracking_url(shipment), return_tracking_number=back, status_url=status_url(order),
    )
    return shipment


def return_label(box: TrialBox, number: int | None = None) -> ReturnLabel | None:
    """The prepaid return label that went in a round's box (the latest by default)."""
    order = box.order
    if order is None:
        return None
    labels = [ReturnLabel(str(e.params["carrier"]), str(e.params["return_tracking_number"]),
                          int(e.params.get("round", 1)))
              for e in order.events if e.kind is EventKind.TRIAL_SHIPPED and e.params.get("return_tracking_number")]
    if number is not None:
        labels = [label for label in labels if label.round == number]
    return labels[-1] if labels else None


def return_label_pdf(box: TrialBox) -> bytes:
    """The 4×6 prepaid label, from the customer to the studio, for the latest box."""
    label = return_label(box)
    if label is None:
        raise DomainError("This box has not shipped, so it has no return label yet.")
    pairs = len(round_pairs(box, label.round))
    return prepaid_return_label(_order(box), label.carrier, label.tracking_number,
                                f"Trial box return ({pairs} pair{'s' if pairs != 1 else ''}, prepaid)")


def shipping_label_pdf(box: TrialBox) -> bytes:
    """The 4×6 label of the latest box, to the customer (the orders' label)."""
    shipment = box_shipment(box)
    if shipment is None:
        raise DomainError("This box has not shipped yet.")
    return label_pdf(shipment)


# --- Delivery opens the window ---------------------------------------------------------


def last_day(box: TrialBox) -> date | None:
    """The window's last day in New York (the database keeps its end in UTC, which
    is already the next day there)."""
    return clock.to_store_time(box.window_ends_at).date() if box.window_ends_at else None


def sync_box(box: TrialBox, actor: Actor = SYSTEM) -> bool:
    """Open the window of a shipped box whose parcel was delivered; True if it did.
    Safe to call from any page: a box already moved (here or by a runner) is left."""
    if box.state is not TrialState.SHIPPED:
        return False
    shipment = box_shipment(box)
    if shipment is None or shipment.delivered_at is None:
        return False
    try:
        _open_window(box, shipment.delivered_at, actor)
    except ChangedMeanwhile:
        db.session.refresh(box)
        return False
    return True


def record_scan(box: TrialBox, shipment_id: int | None, kind: str, at: datetime, actor: Actor,
                location: str = "") -> bool:
    """Staff record a carrier scan of the box's parcel, as on an order's page; a
    delivery scan opens the window at once. True when the scan moved the parcel."""
    shipment = next((s for s in _order(box).shipments if s.id == shipment_id), None)
    if shipment is None:
        raise DomainError("Please choose one of this box's parcels.", field="shipment_id")
    moved = orders_record_scan(shipment, kind, at, actor, location)
    sync_box(box, actor)
    return moved


def _open_window(box: TrialBox, delivered_at: datetime, actor: Actor) -> None:
    order = _order(box)
    first_round = current_round(box) == 1
    ends = calendar.trial_window_closes_at(delivered_at)
    transition(box, TRIAL, TrialState.DELIVERED, actor=actor, order=order, last_day=ends.date().isoformat(),
               round=current_round(box))
    box.delivered_at = delivered_at
    box.window_ends_at = ends
    if first_round:
        box.exchange_until = calendar.trial_size_exchange_closes_at(delivered_at)
    box.updated_at = clock.now()
    db.session.flush()
    enqueue_email(
        to=order.email,
        subject=f"Your ALLY trial box #{order.number} has arrived: your {policy.TRIAL_WINDOW_DAYS} days start",
        template="trial_window_open", kind="trial_window_open", order_id=order.id, order=order, box=box,
        pairs=[pair_label(p) for p in round_pairs(box)], last_day=ends.date(),
        exchange_until=box.exchange_until if first_round else None, status_url=status_url(order),
    )


def open_windows(now: datetime) -> int:
    """The job: open the window of every shipped box whose parcel was delivered.
    Returns how many it opened (each once, whoever else runs it)."""
    boxes = db.session.scalars(
        select(TrialBox).where(TrialBox.state == TrialState.SHIPPED)
        .options(joinedload(TrialBox.order),
                 selectinload(TrialBox.pairs).joinedload(TrialPair.line).joinedload(OrderLine.shipment))
        .order_by(TrialBox.id)
    ).unique().all()
    return sum(1 for box in boxes if sync_box(box))

