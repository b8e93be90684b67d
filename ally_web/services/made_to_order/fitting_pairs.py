"""Fitting pairs: black heels in the ordered size, lent to a customer whose ALLY
size we do not know yet, with a measurement kit and a prepaid return label.

Shipping one makes two parcels: the fitting pair going out, and its way back, whose
label (made at the same time, so it can go in the box) the customer uses to return
it. Both are tracked like any parcel (carrier scans, the tracking webhook): the
outbound delivery opens the fit result, the return reaching the studio records that
the loaner is back. A loaner not back ``policy.FITTING_PAIR_OVERDUE_DAYS`` store days
after its delivery day is overdue (``overdue_cutoff``): staff see it marked, and the
customer is reminded once (``reminders.py``), by the same test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import MadeToOrderState, Order, OrderLine, Shipment, ShipmentPurpose
from ally_web.services.lifecycle import transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import EMAIL, status_url, tracking_url, unused_tracking_number
from ally_web.services.orders.states import MADE_TO_ORDER


def fit_result_url(order: Order) -> str:
    """The fit result form, opened by the order's signed email link."""
    return status_url(order, EMAIL, endpoint="fit.show")


def ship_fitting_pair(line: OrderLine, carrier: str, tracking_number: str, return_tracking_number: str,
                      actor: Actor) -> Shipment:
    """Send the fitting pair of ``line``: its parcel and its prepaid return parcel,
    both on ``carrier``. Emails the customer how to try it and send it back.

    Raises DomainError: cancelled order (no field); a pair not waiting for its fitting
    pair (IllegalTransition); unknown carrier ("carrier"); a tracking number that is not
    the carrier's, already used, or the same for both ("tracking_number",
    "return_tracking_number").
    """
    order = line.order
    if order.cancelled:
        raise DomainError("This order was cancelled: no fitting pair goes out.")
    if not MADE_TO_ORDER.can_move(line.mto_state, MadeToOrderState.FITTING_PAIR_SHIPPED):
        raise DomainError("This pair's fitting pair has already been sent.")
    carrier_name, number = unused_tracking_number(carrier, tracking_number)
    _, return_number = unused_tracking_number(carrier_name, return_tracking_number, field="return_tracking_number")
    if return_number == number:
        raise DomainError("The return label needs a tracking number of its own.", field="return_tracking_number")
    moment = clock.now()
    outbound = Shipment(order=order, carrier=carrier_name, tracking_number=number, shipped_at=moment,
                        purpose=ShipmentPurpose.FITTING_PAIR)
    back = Shipment(order=order, carrier=carrier_name, tracking_number=return_number, shipped_at=moment,
                    purpose=ShipmentPurpose.FITTING_RETURN)
    line.fitting_shipment, line.fitting_return = outbound, back
    transition(line, MADE_TO_ORDER, MadeToOrderState.FITTING_PAIR_SHIPPED, actor=actor, order=order, at=moment,
               carrier=carrier_name, tracking_number=number, line_id=line.id)
    db.session.flush()
    enqueue_email(
        to=order.email, subject=f"Your ALLY fitting pair is on its way (order #{order.number})",
        template="fitting_pair_shipped", kind="fitting_pair_shipped", order_id=order.id,
        order=order, line=line, carrier=carrier_name, tracking_number=number,
        tracking_url=tracking_url(outbound), return_tracking_number=return_number,
        fit_url=fit_result_url(order), status_url=status_url(order),
    )
    return outbound


@dataclass(frozen=True)
class Loaner:
    """A fitting pair with the customer: delivered, not yet back at the studio."""

    line: OrderLine
    delivered_at: datetime
    days_out: int
    overdue: bool
    on_its_way_back: bool  # the return parcel has a carrier scan


def fitting_pairs_out(now: datetime | None = None) -> list[Loaner]:
    """Every fitting pair delivered and not back, longest out first."""
    now = now or clock.now()
    today = clock.to_store_time(now).date()
    lines = db.session.scalars(
        select(OrderLine)
        .join(Shipment, Shipment.id == OrderLine.fitting_shipment_id)
        .where(Shipment.delivered_at.is_not(None))
        .options(joinedload(OrderLine.fitting_shipment), joinedload(OrderLine.order),
                 joinedload(OrderLine.fitting_return).selectinload(Shipment.scans))
        .order_by(Shipment.delivered_at)
    ).unique().all()
    out = []
    for line in lines:
        back = line.fitting_return
        if back is None or back.delivered_at is not None:
            continue
        delivered_at = line.fitting_shipment.delivered_at  # type: ignore[union-attr]
        assert delivered_at is not None
        days = (today - clock.to_store_time(delivered_at).date()).days
        out.append(Loaner(line, delivered_at, days, delivered_at < overdue_cutoff(now), bool(back.scans)))
    return out


def overdue_cutoff(now: datetime) -> datetime:
    """A fitting pair delivered before this moment is overdue at ``now``: the start of
    the store day ``policy.FITTING_PAIR_OVERDUE_DAYS - 1`` days before today, so a pair
    delivered exactly that many days ago (at any hour) is overdue, one a day less is not."""
    today = clock.to_store_time(now).date()
    first_day_not_overdue = today - timedelta(days=policy.FITTING_PAIR_OVERDUE_DAYS - 1)
    return datetime.combine(first_day_not_overdue, time.min, tzinfo=clock.store_tz())
