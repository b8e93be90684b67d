"""Pairs the customer chose to send back but never handed to the carrier.

Returns are accepted for the window's days; the return parcel must reach the carrier
(its label's first scan) by 23:59:59 New York time ``policy.TRIAL_RETURN_SCAN_DAYS``
days after the window's last day. Past that, a pair still not on its way is the
customer's: it becomes kept, at its keep price (retail, or a sample's price), in one
charge of its own (slot "unreturned"), and returns for it are no longer accepted. Any
scan of the return parcel, or the parcel received at the studio, stops this.

The job moves each pair from "return" to "keep" with a conditional UPDATE in the same
transaction as the charge: two runners (or a scan arriving meanwhile) charge once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import SYSTEM
from ally_web.extensions import db
from ally_web.models import (
    EventKind,
    Shipment,
    ShipmentPurpose,
    ShipmentScan,
    TrialBox,
    TrialChargeKind,
    TrialDecision,
    TrialPair,
    TrialState,
)
from ally_web.services.lifecycle import record_event
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.trial.charges import add_charge
from ally_web.services.trial.dispatch import return_parcel
from ally_web.services.trial.window import keep_price

SLOT = "unreturned"


def send_back_by(box: TrialBox) -> datetime | None:
    """The last moment for the return parcel's first scan (New York time), while
    pairs are waiting to be sent; None once the parcel moved or nothing is to send."""
    if box.window_ends_at is None or box.state is not TrialState.DECIDED or box.order is None:
        return None
    if not any(p.decision is TrialDecision.RETURN and p.received_at is None for p in box.pairs):
        return None
    parcel = return_parcel(box)
    if parcel is not None and parcel.scans:
        return None
    return _deadline(box.window_ends_at)


def _deadline(window_ends_at: datetime) -> datetime:
    return clock.to_store_time(window_ends_at) + timedelta(days=policy.TRIAL_RETURN_SCAN_DAYS)


def _not_on_its_way(now: datetime):
    """Pairs to send back, not received, of decided boxes past the deadline whose
    return parcel has no scan."""
    scanned = exists().where(ShipmentScan.shipment_id == Shipment.id, Shipment.order_id == TrialBox.order_id,
                             Shipment.purpose == ShipmentPurpose.RETURN)
    late_boxes = select(TrialBox.id).where(
        TrialBox.state == TrialState.DECIDED,
        TrialBox.window_ends_at < now - timedelta(days=policy.TRIAL_RETURN_SCAN_DAYS),
        ~scanned,
    )
    return (TrialPair.decision == TrialDecision.RETURN, TrialPair.received_at.is_(None),
            TrialPair.box_id.in_(late_boxes))


def charge_unreturned(now: datetime) -> int:
    """A job: make the pairs never sent back the customer's, charged once. Returns
    how many boxes were charged."""
    charged = 0
    for box_id in list(db.session.scalars(
            select(TrialPair.box_id).where(*_not_on_its_way(now)).distinct().order_by(TrialPair.box_id))):
        taken = list(db.session.scalars(
            update(TrialPair).where(TrialPair.box_id == box_id, *_not_on_its_way(now))
            .values(decision=TrialDecision.KEEP).returning(TrialPair.id)
            .execution_options(synchronize_session=False)))
        if not taken:  # another runner, or a scan, got there first
            db.session.rollback()
            continue
        box = db.session.get_one(TrialBox, box_id, populate_existing=True)
        pairs = [p for p in box.pairs if p.id in taken]
        for pair in pairs:
            db.session.refresh(pair)
        amount = sum(keep_price(p) for p in pairs)
        order = box.order
        assert order is not None and box.window_ends_at is not None  # a decided box was delivered
        deadline = _deadline(box.window_ends_at)
        add_charge(box, TrialChargeKind.KEPT, amount, slot=SLOT)
        record_event(order, EventKind.TRIAL_NOT_SENT_BACK, SYSTEM, at=now, pairs=len(pairs), amount_cents=amount)
        enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: the pairs did not come back",
                      template="trial_not_sent_back", kind="trial_not_sent_back", order_id=order.id, order=order,
                      box=box, pairs=pairs, amount_cents=amount, send_back_by=deadline,
                      status_url=status_url(order))
        db.session.commit()
        charged += 1
    return charged
