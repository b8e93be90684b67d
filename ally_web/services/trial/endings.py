"""Jobs at the end of the window: reminders before it ends, and expiry after it.

Reminders go ``policy.TRIAL_REMINDER_HOURS`` (48 and 24) before the window ends, each
once (claimed on the box, so runners may overlap); a box first seen with less than
24 hours left gets only the last one. A box still undecided after the last moment of
its window expires: every pair in it is charged at its retail price (one final
charge, made by the charge job) and returns are no longer accepted. The move is a
compare-and-set on the box's state, so two runners, a second run, or a customer
deciding at the same instant move it once: the first to commit wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ally_web import policy
from ally_web.core.actors import SYSTEM
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.models import TrialBox, TrialChargeKind, TrialDecision, TrialState
from ally_web.services.claims import claim
from ally_web.services.lifecycle import transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.trial.charges import add_charge
from ally_web.services.trial.states import TRIAL
from ally_web.services.trial.window import hours_left, retail_total


def send_reminders(now: datetime) -> int:
    """A job: the reminders due now. Returns how many were sent."""
    sent = 0
    last, first = min(policy.TRIAL_REMINDER_HOURS), max(policy.TRIAL_REMINDER_HOURS)
    open_window = (TrialBox.state == TrialState.DELIVERED, TrialBox.window_ends_at > now)
    while ids := claim(TrialBox, *open_window, TrialBox.window_ends_at <= now + timedelta(hours=last),
                       TrialBox.reminded_24_at.is_(None), order_by=[TrialBox.id],
                       stamp={"reminded_24_at": now, "reminded_48_at": now}):
        sent += _remind(ids[0], now)
    while ids := claim(TrialBox, *open_window, TrialBox.window_ends_at <= now + timedelta(hours=first),
                       TrialBox.reminded_48_at.is_(None), order_by=[TrialBox.id], stamp={"reminded_48_at": now}):
        sent += _remind(ids[0], now)
    return sent


def _remind(box_id: int, now: datetime) -> int:
    box = db.session.get_one(TrialBox, box_id, populate_existing=True)
    order = box.order
    assert order is not None
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number} ends soon", template="trial_reminder",
                  kind="trial_reminder", order_id=order.id, order=order, box=box, hours=hours_left(box, now),
                  retail_cents=retail_total(box.current_pairs), status_url=status_url(order))
    db.session.commit()
    return 1


def expire_boxes(now: datetime) -> int:
    """A job: charge every pair of the boxes whose window ended with no answer."""
    expired = 0
    due = select(TrialBox.id).where(TrialBox.state == TrialState.DELIVERED, TrialBox.window_ends_at < now)
    for box_id in list(db.session.scalars(due)):
        box = db.session.get_one(TrialBox, box_id, populate_existing=True)
        try:
            expire(box, now)
        except ChangedMeanwhile:  # decided, or expired by another runner, meanwhile
            db.session.rollback()
            continue
        db.session.commit()
        expired += 1
    return expired


def expire(box: TrialBox, now: datetime) -> None:
    order = box.order
    assert order is not None
    pairs = box.current_pairs
    amount = retail_total(pairs)
    transition(box, TRIAL, TrialState.EXPIRED, actor=SYSTEM, order=order, at=now, amount_cents=amount,
               pairs=len(pairs))
    for pair in pairs:
        pair.decision = TrialDecision.KEEP
    add_charge(box, TrialChargeKind.EXPIRED, amount)
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number} has ended", template="trial_expired",
                  kind="trial_expired", order_id=order.id, order=order, box=box, pairs=pairs, amount_cents=amount,
                  status_url=status_url(order))
