"""Confirming a fit and making the pair.

A stylist reads the customer's fit result, confirms the size (or adjusts it) and that
starts production. The due date (the day the pair ships by) is the confirmation day
+ ``policy.MADE_TO_ORDER_PRODUCTION_DAYS`` calendar days + the extra days of every
lead-time notice whose dates overlap that production period, moved to the next
business day (``pricing.calendar``). The confirmed size becomes the customer's ALLY
size, so their next made-to-order pair in that size and width, in any style, skips
the fitting pair.

The workshop marks a finished pair made; it then ships with the order's other ready
pairs (``orders.ship_ready_pairs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import Customer, FitResult, LeadTimeNotice, MadeToOrderState, Order, OrderLine, OrderState, Variant
from ally_web.policy import DayRange
from ally_web.services.lifecycle import transition
from ally_web.services.made_to_order.fit_questions import size_label
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.orders.states import MADE_TO_ORDER
from ally_web.services.pricing import calendar, shipping

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True)
class DueDate:
    """When a pair whose production starts on ``started_on`` ships and arrives."""

    started_on: date
    ships_by: date
    arrives_from: date
    arrives_by: date
    notices: tuple[LeadTimeNotice, ...]

    @property
    def extra_days(self) -> int:
        return sum(n.extra_days for n in self.notices)

    @property
    def notice_title(self) -> str | None:
        return " and ".join(n.title for n in self.notices) or None


def _transit(line: OrderLine) -> DayRange:
    order = line.order
    try:
        return shipping.shipping_option(order.country, order.shipping_method, order.subtotal_cents,
                                        order.placed_at).business_days
    except DomainError:  # the option is no longer offered: the usual US transit
        return policy.IN_STOCK_TRANSIT


def _notices_from(day: date) -> list[LeadTimeNotice]:
    """Every notice not over by ``day``, read fresh (a stylist's confirmation and a
    notice just saved must both see the latest)."""
    return list(db.session.scalars(
        select(LeadTimeNotice).where(LeadTimeNotice.ends_on >= day)
        .order_by(LeadTimeNotice.starts_on, LeadTimeNotice.id)
    ))


def due_date(line: OrderLine, started_on: date) -> DueDate:
    counted = calendar.made_to_order_notices(started_on, _notices_from(started_on))
    promise = calendar.made_to_order_promise(started_on, sum(n.extra_days for n in counted), transit=_transit(line))
    return DueDate(started_on, promise.ships_by, promise.arrives_from, promise.arrives_by, counted)


def set_due_date(line: OrderLine, due: DueDate) -> None:
    line.production_started_on = due.started_on
    line.ships_from = line.ships_by = due.ships_by
    line.arrives_from, line.arrives_by = due.arrives_from, due.arrives_by
    line.notice_title, line.notice_extra_days = due.notice_title, due.extra_days


def _variant_in(line: OrderLine, size_halves: int, width: str) -> Variant:
    """The same colour in another size: what the pair is made as."""
    current = db.session.get_one(Variant, line.variant_id)
    variant = db.session.scalar(select(Variant).where(
        Variant.colour_id == current.colour_id, Variant.size_halves == size_halves, Variant.width == width))
    if variant is None:
        raise DomainError(f"{line.colour_name} {line.style_name} is not offered in {size_label(size_halves, width)}.",
                          field="size")
    return variant


def confirm_fit(line: OrderLine, size_halves: int | None, width: str | None, note: str, actor: Actor) -> DueDate:
    """Confirm the fit of ``line`` at ``size_halves``/``width`` (the customer's choice
    or another) and start production; tells the customer the due date.

    Raises DomainError ("size", "width", "note" fields; or none: cancelled order, no
    fit result sent yet, already confirmed).
    """
    order = line.order
    if order.cancelled:
        raise DomainError("This order was cancelled: nothing to make.")
    if line.mto_state is not MadeToOrderState.FIT_SUBMITTED or line.fit_result is None:
        if line.mto_state in (MadeToOrderState.FIT_CONFIRMED, MadeToOrderState.IN_PRODUCTION,
                              MadeToOrderState.MADE, MadeToOrderState.SHIPPED, MadeToOrderState.DELIVERED):
            raise DomainError("This fit is already confirmed and the pair is in production.")
        raise DomainError("The customer has not sent a fit result for this pair yet.")
    if size_halves not in policy.SIZE_HALVES:
        raise DomainError("Please choose a size from 5 to 12.", field="size")
    if width not in policy.WIDTHS:
        raise DomainError("Please choose a width.", field="width")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(f"Please keep the note under {MAX_NOTE_LENGTH} characters.", field="note")
    moment = clock.now()
    ordered = (line.size_halves, line.width)
    if (size_halves, width) != ordered:
        variant = _variant_in(line, size_halves, width)
        line.variant_id, line.sku = variant.id, variant.sku
        line.size_halves, line.width = size_halves, width

    result = line.fit_result
    result.confirmed_size_halves, result.confirmed_width = size_halves, width
    result.confirmed_at, result.confirmed_by_staff_id, result.staff_note = moment, actor.staff_id, note
    customer = db.session.get_one(Customer, order.customer_id)
    customer.size_halves, customer.width, customer.size_confirmed_at = size_halves, width, moment

    transition(line, MADE_TO_ORDER, MadeToOrderState.FIT_CONFIRMED, actor=actor, order=order, at=moment,
               line_id=line.id, size_halves=size_halves, width=width,
               ordered_size_halves=ordered[0], ordered_width=ordered[1])
    due = due_date(line, clock.to_store_time(moment).date())
    set_due_date(line, due)
    transition(line, MADE_TO_ORDER, MadeToOrderState.IN_PRODUCTION, actor=actor, order=order, at=moment,
               line_id=line.id, ships_by=due.ships_by.isoformat())
    db.session.flush()
    enqueue_email(
        to=order.email, subject=f"Your fit is confirmed: your ALLY pair is being made (order #{order.number})",
        template="fit_confirmed", kind="fit_confirmed", order_id=order.id,
        order=order, line=line, size=size_label(size_halves, width), due=due, status_url=status_url(order),
    )
    return due


def mark_made(line: OrderLine, actor: Actor) -> None:
    """The workshop finished the pair: it is ready for its box."""
    if line.order.cancelled:
        raise DomainError("This order was cancelled: nothing to make.")
    transition(line, MADE_TO_ORDER, MadeToOrderState.MADE, actor=actor, order=line.order, line_id=line.id)
    db.session.flush()


# --- Staff lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    line: OrderLine
    late: bool  # still in the workshop after its due date


def production_board(today: date | None = None) -> list[BoardRow]:
    """Pairs in the workshop or made and waiting for their box, soonest due first."""
    today = today or clock.to_store_time(clock.now()).date()
    lines = db.session.scalars(
        select(OrderLine).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.mto_state.in_((MadeToOrderState.IN_PRODUCTION, MadeToOrderState.MADE)),
               OrderLine.shipment_id.is_(None), Order.state == OrderState.PLACED)
        .options(joinedload(OrderLine.order))
        .order_by(OrderLine.ships_by, OrderLine.id)
    ).all()
    return [BoardRow(line, line.mto_state is MadeToOrderState.IN_PRODUCTION and line.ships_by is not None
                     and line.ships_by < today) for line in lines]


def fit_queue() -> list[FitResult]:
    """Fit results waiting for a stylist, oldest first."""
    return list(db.session.scalars(
        select(FitResult).join(OrderLine, OrderLine.id == FitResult.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.mto_state == MadeToOrderState.FIT_SUBMITTED, Order.state == OrderState.PLACED)
        .options(joinedload(FitResult.line).joinedload(OrderLine.order))
        .order_by(FitResult.updated_at, FitResult.id)
    ).unique().all())


def awaiting_fitting_pairs() -> list[OrderLine]:
    """Pairs whose fitting pair is still to be sent, oldest order first."""
    return list(db.session.scalars(
        select(OrderLine).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.mto_state == MadeToOrderState.AWAITING_FITTING_PAIR, Order.state == OrderState.PLACED)
        .options(joinedload(OrderLine.order)).order_by(OrderLine.id)
    ).all())


def get_line(line_id: int) -> OrderLine | None:
    line = db.session.get(OrderLine, line_id)
    return line if line is not None and line.made_to_order else None


@dataclass(frozen=True)
class Queues:
    """How much made-to-order work waits, for the staff dashboard."""

    fitting_pairs_to_send: int
    fit_results_to_confirm: int
    in_production: int
    late: int


def queue_counts(today: date | None = None) -> Queues:
    board = production_board(today)
    return Queues(len(awaiting_fitting_pairs()), len(fit_queue()),
                  sum(1 for row in board if row.line.mto_state is MadeToOrderState.IN_PRODUCTION),
                  sum(1 for row in board if row.late))
