"""Trial boxes for tests, built directly with the models.

The trial's own service (questionnaire, card check, curation, shipping) is another
domain's work; a fit session only needs a box that exists and has, or has not,
arrived. ``make_trial_box`` writes that: a customer, an order of kind trial (no
checkout, no payment yet) with a fresh number and token, and its TrialBox.

    box = make_trial_box()                             # delivered now: fit sessions open
    box = make_trial_box(delivered_at=None)            # shipped, not arrived yet
"""

from __future__ import annotations

import secrets
from datetime import datetime, time

from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.emails import canonical_email
from ally_web.extensions import db
from ally_web.models import Customer, Order, OrderKind, PaymentMode, TrialBox, TrialState
from ally_web.services.orders import new_order_number

NOW = object()  # "delivered at the store clock's now"
ADDRESS = dict(phone="+1 212 555 0134", line1="350 W 21st St", line2="Apt 4B", city="New York", region="NY",
               postal_code="10011", country="US")


def _customer(email: str, name: str, at: datetime) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.email_canonical == canonical_email(email)))
    if customer is None:
        customer = Customer(email=email, email_canonical=canonical_email(email), name=name, created_at=at)
        db.session.add(customer)
        db.session.flush()
    return customer


def make_trial_box(*, email: str = "tess@example.com", name: str = "Tess Trial", delivered_at: object = NOW,
                   state: TrialState | None = None, window_ends_at: datetime | None = None,
                   commit: bool = True) -> TrialBox:
    """A requested trial box and its order; ``delivered_at`` (default: now) means it
    has arrived (state DELIVERED), None that it is on its way (state SHIPPED)."""
    now = clock.now()
    arrived = now if delivered_at is NOW else delivered_at
    assert arrived is None or isinstance(arrived, datetime)
    customer = _customer(email, name, now)
    order = Order(
        number=new_order_number(), token=secrets.token_urlsafe(32), kind=OrderKind.TRIAL, checkout_id=None,
        customer_id=customer.id, email=email, email_canonical=canonical_email(email), shipping_method="us-standard",
        payment_provider="sandbox", payment_ref="", payment_mode=PaymentMode.CARD, placed_at=now, name=name,
        **ADDRESS)
    db.session.add(order)
    db.session.flush()
    box = TrialBox(
        token=secrets.token_urlsafe(32), state=state or (TrialState.DELIVERED if arrived else TrialState.SHIPPED),
        step="done", answers={}, email=email, email_canonical=canonical_email(email), customer_id=customer.id,
        order_id=order.id, created_at=now, updated_at=now, delivered_at=arrived, window_ends_at=window_ends_at,
        name=name, **ADDRESS)
    db.session.add(box)
    db.session.flush()
    if commit:
        db.session.commit()
    return box


VIDEO_LINK = "https://video.example.com/ally-fit-studio"


def open_fit_studio(opens: time = time(10, 0), closes: time = time(17, 0), weekdays: range = range(7),
                    video_link: str = VIDEO_LINK) -> None:
    """Staff hours (every day 10 AM–5 PM New York time by default) and the video link,
    set through the staff service, as the admin page does."""
    from ally_web.core.actors import Actor
    from ally_web.services import fit_sessions

    staff = Actor.staff(None, "Sam Rivera")  # type: ignore[arg-type]
    fit_sessions.save_weekly_hours([fit_sessions.DayHours(d, True, opens, closes) for d in weekdays], staff)
    fit_sessions.set_video_link(video_link, staff)
    db.session.commit()
