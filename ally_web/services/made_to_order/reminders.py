"""Reminders about fitting pairs, sent by ``flask ally jobs`` at most once each.

- the fit result: ``policy.FIT_RESULT_REMINDER_DAYS`` days after the fitting pair
  arrived, if no result has come;
- the fitting pair's return: once it is overdue (``fitting_pairs.overdue_cutoff``, the
  test the staff board marks it by), if its return parcel has not moved.

Each reminder is claimed by setting its time on the line with a conditional UPDATE
(``… WHERE …_sent_at IS NULL``) in the same transaction as its email: of two job
runs racing, one claims it and the other skips it, and a run that fails rolls both
back, so the next run tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import joinedload

from ally_web import policy
from ally_web.core.actors import SYSTEM
from ally_web.extensions import db
from ally_web.models import EventKind, MadeToOrderState, Order, OrderLine, OrderState, Shipment, ShipmentState
from ally_web.services.lifecycle import record_event
from ally_web.services.made_to_order.fitting_pairs import fit_result_url, overdue_cutoff
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url


def _claim(line: OrderLine, column, now: datetime) -> bool:
    claimed: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(OrderLine).where(OrderLine.id == line.id, column.is_(None)).values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _remind(lines, column, now: datetime, about: str, template: str, subject: str, **links) -> int:
    """Claim and send one reminder per line; returns how many went."""
    sent = 0
    for line in lines:
        if not _claim(line, column, now):
            continue  # another run has it
        order = line.order
        record_event(order, EventKind.REMINDER_SENT, SYSTEM, now, about=about, line_id=line.id)
        enqueue_email(to=order.email, subject=f"{subject} (order #{order.number})", template=template,
                      kind=template, order_id=order.id, order=order, line=line, status_url=status_url(order),
                      **{name: make(order) for name, make in links.items()})
        sent += 1
    return sent


def send_fit_reminders(now: datetime) -> int:
    """Remind customers whose fitting pair arrived a while ago and who sent no fit result."""
    due = now - timedelta(days=policy.FIT_RESULT_REMINDER_DAYS)
    lines = db.session.scalars(
        select(OrderLine).join(Shipment, Shipment.id == OrderLine.fitting_shipment_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.mto_state == MadeToOrderState.FITTING_PAIR_DELIVERED, Order.state == OrderState.PLACED,
               OrderLine.fit_reminder_sent_at.is_(None), Shipment.delivered_at <= due)
        .options(joinedload(OrderLine.order))
    ).unique().all()
    return _remind(lines, OrderLine.fit_reminder_sent_at, now, "fit_result", "fit_result_reminder",
                   "How did your fitting pair fit?", fit_url=fit_result_url)


def send_fitting_return_reminders(now: datetime) -> int:
    """Remind customers whose fitting pair has been with them too long, its return
    parcel not yet moving."""
    due = overdue_cutoff(now)
    outbound = Shipment.__table__.alias("outbound")
    back = Shipment.__table__.alias("back")
    lines = db.session.scalars(
        select(OrderLine)
        .join(outbound, outbound.c.id == OrderLine.fitting_shipment_id)
        .join(back, back.c.id == OrderLine.fitting_return_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.return_reminder_sent_at.is_(None), Order.state == OrderState.PLACED,
               outbound.c.delivered_at < due, back.c.state == ShipmentState.SHIPPED)
        .options(joinedload(OrderLine.order))
    ).unique().all()
    return _remind(lines, OrderLine.return_reminder_sent_at, now, "fitting_return", "fitting_return_reminder",
                   "Please send back your ALLY fitting pair")
